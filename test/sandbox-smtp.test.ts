/** The tests' SMTP sink (test support): what a raw client sees, and what the e-mail notifier sees. */
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxCommand } from '../src/commands/sandbox.js';
import { nodeFetchClient } from '../src/http.js';
import { buildEmailConfig, createEmailNotifier } from '../src/notify/email.js';
import { startSmtpSink } from './helpers/smtp-sink.js';

/** Sends `commands` one at a time over plain TCP, each after the previous reply; returns every reply line. */
async function talk(port: number, commands: string[]): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  const lines: string[] = [];
  let buffer = '';
  let waiting: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      lines.push(line);
      if (/^\d{3} /.test(line)) waiting?.(); // the last line of a reply
    }
  });
  const reply = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply; so far: ${lines.join(' | ')}`)), 10_000);
      waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  await reply(); // the greeting
  for (const command of commands) {
    socket.write(`${command}\r\n`);
    await reply();
  }
  socket.destroy();
  return lines;
}

t.test('the sink: certificate for localhost and 127.0.0.1, STARTTLS offered, no AUTH or MAIL in clear', async (t) => {
  const logged: string[] = [];
  const sink = await startSmtpSink({ user: 'u', password: 'sink-pw-123', log: (l) => logged.push(l) });
  t.teardown(() => sink.close());
  const cert = new X509Certificate(sink.caPem);
  t.match(cert.subjectAltName, /DNS:localhost/);
  t.match(cert.subjectAltName, /IP Address:127\.0\.0\.1/);
  const lines = await talk(sink.port, [
    'EHLO client.example',
    'AUTH PLAIN AHUAc2luay1wdy0xMjM=',
    'MAIL FROM:<a@example.com>',
    'QUIT',
  ]);
  t.match(lines[0], /^220 .* ESMTP beluga-cert sandbox$/);
  t.ok(lines.includes('250-STARTTLS'), 'STARTTLS offered');
  const replies = lines.filter((l) => /^\d{3} /.test(l)); // the last line of each reply
  t.match(replies, [
    /^220 /,
    /^250 /,
    /^538 .*Must issue a STARTTLS command first$/,
    /^530 5\.7\.0 Authentication required$/,
    /^221 /,
  ]);
  t.strictSame(sink.logins, [], 'the password sent in clear was not even checked');
  t.strictSame(sink.messages, []);
  t.notMatch(logged.join('\n'), /sink-pw-123/);
});

t.test('the no-starttls fault: neither offered nor accepted; the fault ends after `times`', async (t) => {
  const sink = await startSmtpSink({ user: 'u', password: 'sink-pw-123' });
  t.teardown(() => sink.close());
  sink.setFault({ kind: 'no-starttls', times: 1 });
  const first = await talk(sink.port, ['EHLO client.example', 'STARTTLS']);
  t.notOk(first.includes('250-STARTTLS'));
  t.match(first[first.length - 1], /^5\d\d /);
  const second = await talk(sink.port, ['EHLO client.example']);
  t.ok(second.includes('250-STARTTLS'), 'the next connection is normal again');
});

t.test(
  'the sink as the e-mail notifier meets it: its certificate as SMTP_CA_FILE, AUTH, the mail accepted',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-smtp-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const logged: string[] = [];
    const sink = await startSmtpSink({ user: 'sandbox', password: 'sink-pw-456', log: (l) => logged.push(l) });
    t.teardown(() => sink.close());
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, sink.caPem);
    const config = buildEmailConfig({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      SMTP_USER: 'sandbox',
      SMTP_PASSWORD: 'sink-pw-456',
      SMTP_CA_FILE: caFile,
      MAIL_FROM: 'a@example.com',
      MAIL_TO: 'b@example.com',
    })!;
    const result = await createEmailNotifier(config).test({ host: 'web1', at: new Date() });
    t.equal(result.ok, true, result.detail);
    t.strictSame(sink.logins, [{ user: 'sandbox', secure: true, ok: true }]);
    t.equal(sink.messages.length, 1);
    t.match(logged.join('\n'), /SMTP message from a@example\.com to b@example\.com accepted/);
    t.notMatch(logged.join('\n'), /sink-pw-456/);
  },
);

t.test('beluga-cert sandbox runs no SMTP sink: it is test support, and smtp-server a dev dependency', async (t) => {
  let printed = '';
  let stop!: () => void;
  let started!: () => void;
  const ready = new Promise<void>((resolve) => {
    started = resolve;
  });
  const stdout = {
    write: (s: string) => {
      printed += s;
      if (printed.includes('BELUGA_EDGE_ADDRESS=')) started();
    },
  };
  const done = sandboxCommand(
    { port: 0 },
    {
      env: { BELUGA_HOOK_CONFIG: 'none', BELUGA_TOKEN_ID: 'id', BELUGA_TOKEN_SECRET: 'token-secret-1' },
      stdout,
      stderr: stdout,
      http: nodeFetchClient,
      now: () => new Date(),
      host: 'test',
      stop: new Promise<void>((resolve) => {
        stop = resolve;
      }),
    },
  );
  await Promise.race([
    ready,
    done.then((code) => {
      throw new Error(`sandbox ended (${code}): ${printed}`);
    }),
  ]);
  stop();
  t.equal(await done, 0);
  t.notMatch(printed, /SMTP/);
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
  t.equal(pkg.dependencies['smtp-server'], undefined);
  t.ok(pkg.devDependencies['smtp-server']);
});
