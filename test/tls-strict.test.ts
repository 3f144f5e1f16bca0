/**
 * Certificates are verified on every connection to Beluga and to the notifiers, even when the
 * environment inherits NODE_TLS_REJECT_UNAUTHORIZED=0 (which would turn node's default check
 * off); NODE_EXTRA_CA_CERTS still adds a private CA. The CLI runs as a child against HTTPS and
 * SMTP servers on 127.0.0.1 with a self-signed certificate.
 */
import t, { type Test } from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/errors.js';
import { makeSelfSigned } from '../src/sandbox/self-signed.js';
import { startSmtpSink } from './helpers/smtp-sink.js';
import { listText, sendJson, startRawServer, type RawServer } from './helpers/raw-server.js';
import { fixture, runCli } from './helpers/run-cli.js';

const cert = ['--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];
const tls = makeSelfSigned();
const dir = await mkdtemp(join(tmpdir(), 'bch-tls-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const caFile = join(dir, 'ca.pem');
await writeFile(caFile, tls.certPem);

const INSECURE = { NODE_TLS_REJECT_UNAUTHORIZED: '0' };
const TRUSTED = { NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_EXTRA_CA_CERTS: caFile };

/** Beluga's list and update, and a Slack webhook, over HTTPS with the self-signed certificate. */
async function httpsServer(t: Test): Promise<RawServer> {
  const server = await startRawServer(
    (req, res) => {
      if (req.path.startsWith('/services/')) return sendJson(res, 200, 'ok');
      sendJson(
        res,
        200,
        req.method === 'GET' ? listText([{ id: '"1001"', names: ['example.com', 'www.example.com'] }]) : '{}',
      );
    },
    { cert: tls.certPem, key: tls.keyPem },
  );
  t.teardown(() => server.close());
  return server;
}

const beluga = (server: RawServer, extra: Record<string, string>) => ({
  BELUGA_BASE_URL: server.url,
  BELUGA_USERNAME: 'ops@example.com',
  BELUGA_PASSWORD: 'basic-password-987',
  BELUGA_RETRIES: '1',
  ...extra,
});

t.test(
  'Beluga: an untrusted certificate is refused despite NODE_TLS_REJECT_UNAUTHORIZED=0; a CA from NODE_EXTRA_CA_CERTS is trusted',
  async (t) => {
    const server = await httpsServer(t);
    const refused = await runCli(['deploy', ...cert], beluga(server, INSECURE));
    t.equal(refused.code, EXIT.REMOTE_UNAVAILABLE, refused.stderr);
    t.match(
      refused.stderr,
      /REMOTE_UNAVAILABLE: beluga: list certificates: the server's TLS certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\); a private CA can be added with NODE_EXTRA_CA_CERTS/,
    );
    t.same(server.requests, [], 'no request got through the handshake');

    const trusted = await runCli(['deploy', ...cert], beluga(server, TRUSTED));
    t.equal(trusted.code, 0, trusted.stderr);
    t.same(
      server.requests.map((r) => r.method),
      ['GET', 'PUT'],
    );
  },
);

t.test(
  'Slack: an untrusted certificate is refused despite NODE_TLS_REJECT_UNAUTHORIZED=0; a CA from NODE_EXTRA_CA_CERTS is trusted',
  async (t) => {
    const server = await httpsServer(t);
    const slack = { SLACK_WEBHOOK_URL: `${server.url}/services/T0/B0/tls-secret-token` };
    const refused = await runCli(['notify-test'], { ...slack, ...INSECURE });
    t.equal(refused.code, EXIT.NOTIFY_FAILED, refused.stdout + refused.stderr);
    t.match(
      refused.stdout,
      /FAILED slack: the server's TLS certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
    );
    t.same(server.requests, [], 'no message got through the handshake');

    const trusted = await runCli(['notify-test'], { ...slack, ...TRUSTED });
    t.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
    t.match(trusted.stdout, /ok slack: sent/);
  },
);

t.test('e-mail: STARTTLS to an untrusted certificate is refused despite NODE_TLS_REJECT_UNAUTHORIZED=0', async (t) => {
  const sink = await startSmtpSink({ user: 'mailer@example.com', password: 'pw-Ex4mple-s3cret' });
  t.teardown(() => sink.close());
  const mail = {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    SMTP_USER: 'mailer@example.com',
    SMTP_PASSWORD: 'pw-Ex4mple-s3cret',
    SMTP_TIMEOUT: '5',
    MAIL_FROM: 'certs@example.com',
    MAIL_TO: 'ops@example.com',
  };
  const refused = await runCli(['notify-test'], { ...mail, ...INSECURE });
  t.equal(refused.code, EXIT.NOTIFY_FAILED, refused.stdout + refused.stderr);
  t.match(refused.stdout, /FAILED email: TLS failed: .*certificate/);
  t.equal(sink.messages.length, 0, 'no mail, and no password, sent');
  t.same(sink.logins, [], 'no login attempted');

  const caPem = join(dir, 'smtp-ca.pem');
  await writeFile(caPem, sink.caPem);
  const trusted = await runCli(['notify-test'], {
    ...mail,
    NODE_TLS_REJECT_UNAUTHORIZED: '0',
    NODE_EXTRA_CA_CERTS: caPem,
  });
  t.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
  t.equal(sink.messages.length, 1);
});
