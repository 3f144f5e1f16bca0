import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { loadSettings, type Settings } from '../src/config/settings.js';
import { buildEmailConfig, createEmailNotifier, type EmailDeps } from '../src/notify/email.js';
import type { NotifyResult } from '../src/notify/types.js';
import { startSmtpSink } from './helpers/smtp-sink.js';
// A deploy with its edge check, as every notifier test sends it.
import { at, withEdge as success } from './helpers/notify-kit.js';

/** The top of the backoff's jitter: each wait is its ceiling, 500 ms, 1 s, 2 s ... */
const TOP = () => 0.999999;

const USER = 'mailer@example.com';
const PASSWORD = 'pw-Ex4mple-s3cret';

/** Every result any test saw: none may hold the password or the URL's credentials (checked last). */
const results: NotifyResult[] = [];
const secrets = [PASSWORD, encodeURIComponent(PASSWORD)];

const dir = await mkdtemp(join(tmpdir(), 'notify-email-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const sink = await startSmtpSink({ user: USER, password: PASSWORD });
t.teardown(() => sink.close());
// The sink's certificate is not a secret; SMTP_CA_FILE needs it in a file.
const caFile = join(dir, 'sandbox-ca.pem');
await writeFile(caFile, sink.caPem);

function settings(extra: Settings = {}): Settings {
  return {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    SMTP_USER: USER,
    SMTP_PASSWORD: PASSWORD,
    SMTP_CA_FILE: caFile,
    SMTP_TIMEOUT: '2',
    MAIL_FROM: 'Certificates <certs@example.com>',
    MAIL_TO: 'ops@example.com, web@example.org',
    ...extra,
  };
}

/** Sends the success event with `s`; waits are recorded, not slept. */
async function send(s: Settings, deps: EmailDeps = {}) {
  const sleeps: number[] = [];
  const config = buildEmailConfig(s);
  if (!config) throw new Error('no e-mail config');
  const before = sink.messages.length;
  const mail = createEmailNotifier(config, { sleep: async (ms) => void sleeps.push(ms), random: TOP, ...deps });
  const result = await mail.success(success);
  results.push(result);
  return { result, sleeps, received: sink.messages.slice(before) };
}

t.afterEach(() => sink.setFault(undefined));

t.test('success: the mail arrives over STARTTLS after AUTH, with From, To, Subject and the facts', async (t) => {
  const logins = sink.logins.length;
  const { result, received } = await send(settings());
  t.strictSame(result, {
    notifier: 'email',
    ok: true,
    detail: 'sent to ops@example.com, web@example.org',
    attempts: 1,
  });
  t.equal(received.length, 1);
  const mail = received[0]!;
  t.equal(mail.secure, true, 'STARTTLS was used before the message');
  t.equal(mail.user, USER, 'logged in');
  t.strictSame(sink.logins.slice(logins), [{ user: USER, secure: true, ok: true }], 'the password went over TLS only');
  t.equal(mail.from, 'certs@example.com');
  t.strictSame(mail.to, ['ops@example.com', 'web@example.org']);
  t.equal(mail.headers.from, 'Certificates <certs@example.com>');
  t.equal(mail.headers.to, 'ops@example.com, web@example.org');
  t.equal(mail.subject, 'Renewed SSL certificate for example.com, expires 2027-01-01');
  t.match(
    mail.text,
    /^Renewed SSL certificate successfully\n\nDomain: example.com\nExpires: 2027-01-01 12:00 UTC \(90 days left\)\nBeluga id: 123\nHost: web1\nEdge: live on the edge after 14 s\n/,
  );
  t.match(mail.html, /<th align="left">Edge<\/th><td>live on the edge after 14 s<\/td>/);
});

t.test('SMTP_URL with the credentials inside works the same', async (t) => {
  const url = `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${sink.port}`;
  secrets.push(url);
  const { SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, ...rest } = settings();
  const { result, received } = await send({ ...rest, SMTP_URL: url });
  t.equal(result.ok, true, result.detail);
  t.equal(received[0]?.secure, true);
  t.equal(received[0]?.user, USER);
});

t.test('wrong password: 535, final, not retried', async (t) => {
  const { result, sleeps, received } = await send(settings({ SMTP_PASSWORD: 'not-the-password' }));
  t.strictSame(result, {
    notifier: 'email',
    ok: false,
    detail: 'AUTH PLAIN: 535 5.7.8 Authentication credentials invalid',
    attempts: 1,
  });
  t.strictSame(sleeps, []);
  t.equal(received.length, 0);
});

t.test('no credentials where the server wants them: 530, final', async (t) => {
  const { result, sleeps } = await send(settings({ SMTP_USER: '', SMTP_PASSWORD: '' }));
  t.equal(result.ok, false);
  t.equal(result.attempts, 1);
  t.match(result.detail, /^MAIL FROM: 530 5\.7\.0 /);
  t.strictSame(sleeps, []);
});

t.test('a 535 from the server even with the right password', async (t) => {
  sink.setFault({ kind: 'auth-failed' });
  const { result } = await send(settings());
  t.equal(result.ok, false);
  t.match(result.detail, /^AUTH PLAIN: 535 /);
});

t.test('every recipient rejected: 550 with the server words, final', async (t) => {
  sink.setFault({ kind: 'mailbox-unavailable' });
  const { result, sleeps, received } = await send(settings({ MAIL_TO: 'nobody@example.com' }));
  t.strictSame(result, {
    notifier: 'email',
    ok: false,
    attempts: 1,
    detail:
      'RCPT TO: 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table',
  });
  t.strictSame(sleeps, []);
  t.equal(received.length, 0);
});

t.test('one recipient of two rejected: sent to the other, reported as not ok, not sent twice', async (t) => {
  sink.setFault({ kind: 'mailbox-unavailable', recipient: 'web@example.org' });
  const { result, received } = await send(settings());
  t.equal(result.ok, false);
  t.equal(result.attempts, 1);
  t.match(result.detail, /^sent, but the server refused web@example\.org: RCPT TO: 550 5\.1\.1 /);
  t.strictSame(
    received.map((m) => m.to),
    [['ops@example.com']],
  );
});

t.test('451 after DATA, then success on the retry', async (t) => {
  sink.setFault({ kind: 'temporary', code: 451, times: 1 });
  const { result, sleeps, received } = await send(settings());
  t.strictSame(result, {
    notifier: 'email',
    ok: true,
    detail: 'sent to ops@example.com, web@example.org',
    attempts: 2,
  });
  t.strictSame(sleeps, [500]);
  t.equal(received.length, 1);
});

for (const code of [421, 450, 452] as const) {
  t.test(`${code} every time: retried three times, then reported with the code`, async (t) => {
    sink.setFault({ kind: 'temporary', code });
    const { result, sleeps, received } = await send(settings());
    t.equal(result.ok, false);
    t.equal(result.attempts, 3);
    t.match(result.detail, new RegExp(`^(connect|RCPT TO): ${code} 4\\.\\d\\.\\d .* after 3 attempts$`));
    t.strictSame(sleeps, [500, 1000]);
    t.equal(received.length, 0);
  });
}

t.test('a server that offers no STARTTLS gets neither the password nor the mail', async (t) => {
  sink.setFault({ kind: 'no-starttls' });
  const logins = sink.logins.length;
  const { result, received } = await send(settings());
  t.equal(result.ok, false);
  t.equal(result.attempts, 1, 'final: another try would meet the same server');
  t.match(result.detail, /^the server does not offer STARTTLS, so nothing was sent \(STARTTLS: 5\d\d /);
  t.equal(received.length, 0);
  t.equal(sink.logins.length, logins, 'no AUTH in clear');
});

t.test('the sink certificate is not trusted without SMTP_CA_FILE', async (t) => {
  const { result, received } = await send(settings({ SMTP_CA_FILE: '' }));
  t.equal(result.ok, false);
  t.match(result.detail, /^TLS failed: .*certificate.*; if the server uses a private CA, name it in SMTP_CA_FILE$/);
  t.equal(received.length, 0);
});

t.test('SMTP_SECURITY=tls against a STARTTLS port says so', async (t) => {
  const { result } = await send(settings({ SMTP_SECURITY: 'tls' }));
  t.equal(result.ok, false);
  t.match(result.detail, /^TLS failed: the server did not answer in TLS .*use SMTP_SECURITY=starttls/);
});

t.test('a server that never answers: each attempt ends at SMTP_TIMEOUT, three attempts', async (t) => {
  sink.setFault({ kind: 'hang' });
  const { result, sleeps } = await send(settings({ SMTP_TIMEOUT: '0.3' }));
  t.equal(result.ok, false);
  t.equal(result.attempts, 3);
  t.match(result.detail, /^timeout after 0\.3 s.* after 3 attempts$/);
  t.strictSame(sleeps, [500, 1000]);
});

t.test('the run budget stops retries early', async (t) => {
  sink.setFault({ kind: 'hang' });
  const { result, sleeps } = await send(settings({ SMTP_TIMEOUT: '0.3' }), { deadline: Date.now() + 1200 });
  t.equal(result.ok, false);
  t.equal(result.attempts, 1, 'no second attempt: less than a second would be left after the wait');
  t.strictSame(sleeps, []);
  const late = await send(settings(), { deadline: Date.now() - 1 });
  t.strictSame(late.result, {
    notifier: 'email',
    ok: false,
    detail: "not sent: no time left in the run's budget",
    attempts: 0,
  });
});

t.test('connection refused is retried, then reported', async (t) => {
  const closed = await freePort();
  const { result, sleeps } = await send(settings({ SMTP_PORT: String(closed) }));
  t.equal(result.ok, false);
  t.equal(result.attempts, 3);
  t.match(result.detail, /^connection refused: .* after 3 attempts$/);
  t.strictSame(sleeps, [500, 1000]);
});

t.test('a connection reset before the greeting is retried', async (t) => {
  const server = await listen((socket) => socket.destroy());
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const { result } = await send(settings({ SMTP_PORT: String(portOf(server)) }));
  t.equal(result.ok, false);
  t.equal(result.attempts, 3);
});

t.test('SMTP_CA_FILE that cannot be read: one attempt, the path and the reason', async (t) => {
  const missing = join(dir, 'no-such-ca.pem');
  const { result } = await send(settings({ SMTP_CA_FILE: missing }));
  t.strictSame(result, {
    notifier: 'email',
    ok: false,
    detail: `could not set up the SMTP client: SMTP_CA_FILE=${missing} cannot be read (ENOENT)`,
    attempts: 1,
  });
});

t.test('SMTP_PASSWORD_FILE: the password from a file works, and its value is a secret', async (t) => {
  const file = join(dir, 'smtp-password');
  await writeFile(file, `${PASSWORD}\n`, { mode: 0o600 });
  const { SMTP_PASSWORD, ...rest } = settings();
  const { settings: loaded } = await loadSettings({ BELUGA_HOOK_CONFIG: 'none', ...rest, SMTP_PASSWORD_FILE: file });
  t.equal(loaded.SMTP_PASSWORD, PASSWORD);
  const { result } = await send(loaded);
  t.equal(result.ok, true, result.detail);
});

t.test('all five events are sent, each with its own subject', async (t) => {
  const config = buildEmailConfig(settings())!;
  const mail = createEmailNotifier(config, { sleep: async () => {} });
  const before = sink.messages.length;
  const all = await Promise.all([
    mail.success(success),
    mail.failure({ domain: 'example.com', error: 'the key does not match', code: 'KEY_MISMATCH', host: 'web1', at }),
    mail.sync({ deployed: [], failed: [], unchanged: 2, unmapped: 0, host: 'web1', at }),
    mail.skipped({
      domain: 'example.com',
      names: ['example.com'],
      fingerprint256: 'AA',
      notAfter: success.notAfter,
      reason: 'already deployed to id 7',
      host: 'web1',
      at,
    }),
    mail.test({ host: 'web1', at }),
  ]);
  results.push(...all);
  t.strictSame(
    all.map((r) => r.ok),
    [true, true, true, true, true],
  );
  t.strictSame(
    sink.messages
      .slice(before)
      .map((m) => m.subject)
      .sort(),
    [
      'Certificate sync on host web1: 0 deployed, 0 failed, 2 unchanged, 0 unmapped',
      'Renewed SSL certificate for example.com, expires 2027-01-01',
      'SSL certificate deployment failed for example.com on host web1 (KEY_MISMATCH)',
      'SSL certificate for example.com is already deployed, nothing sent',
      'Test message from beluga-cert on host web1',
    ],
  );
});

t.test('a transport that throws on load or send never makes the notifier throw', async (t) => {
  const config = buildEmailConfig(settings())!;
  const broken = createEmailNotifier(config, {
    transport: () => {
      throw new Error(`cannot load (password ${PASSWORD})`);
    },
  });
  const r1 = await broken.test({ host: 'web1', at });
  results.push(r1);
  t.strictSame(r1, {
    notifier: 'email',
    ok: false,
    detail: 'could not set up the SMTP client: cannot load (password [REDACTED])',
    attempts: 1,
  });
  const odd = createEmailNotifier(config, {
    transport: () => ({
      sendMail: async () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a transport that throws a non-Error, on purpose
        throw 'a string';
      },
      close() {},
    }),
  });
  const r2 = await odd.test({ host: 'web1', at });
  results.push(r2);
  t.strictSame(r2, { notifier: 'email', ok: false, detail: 'SMTP: a string', attempts: 1 });
});

t.test('no result detail holds the password or the URL credentials', async (t) => {
  t.ok(results.length > 15);
  for (const r of results)
    t.notOk(
      secrets.some((s) => r.detail.includes(s)),
      `no secret in: ${r.detail}`,
    );
});

async function listen(onSocket: (socket: Socket) => void): Promise<Server> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** A port nothing listens on: bound, then closed. */
async function freePort(): Promise<number> {
  const server = await listen(() => {});
  const port = portOf(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
