/**
 * A hook's bundle holds the notifiers and the edge check, loaded at first use. Run as lego runs
 * it: the edge check and several notifiers work from there, and the error classes they throw are
 * recognised (a Slack timeout is retried as a timeout, not reported as an unknown failure).
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import t, { type Test } from 'tap';
import { startSandbox, type Sandbox } from './helpers/sandbox.js';
import { fixture, fixtureText, ROOT, type CliResult } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';
import { EXAMPLE_RECORD } from './helpers/example-record.js';

const TOKEN = { tokenId: 'extras-id', tokenSecret: 'extras-secret-0123456789' };
const NEW = new X509Certificate(fixtureText('ec256.crt'));
const record = EXAMPLE_RECORD;

function lego(env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      `${ROOT}hooks/lego`,
      [],
      {
        env: {
          PATH: process.env.PATH,
          BELUGA_HOOK_CONFIG: 'none',
          BELUGA_HOOK_STATE_DIR: tempStateDir(),
          LEGO_CERT_DOMAIN: 'example.com',
          LEGO_CERT_PATH: fixture('ec256.bundle.crt'),
          LEGO_CERT_KEY_PATH: fixture('ec256.sec1.key'),
          ...env,
        },
        timeout: 60_000,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });
}

async function sandbox(t: Test): Promise<Sandbox> {
  const sb = await startSandbox({ credentials: TOKEN, records: [record], edge: {} });
  t.teardown(() => sb.close());
  return sb;
}

const settings = (sb: Sandbox) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
});

t.test('the lego hook checks the edge and tells Slack and Discord, all from the hook bundle', async (t) => {
  const sb = await sandbox(t);
  const r = await lego({
    ...settings(sb),
    BELUGA_EDGE_ADDRESS: sb.edgeAddress!,
    BELUGA_VERIFY_TIMEOUT: '10',
    SLACK_WEBHOOK_URL: sb.slackUrl,
    DISCORD_WEBHOOK_URL: sb.notify.discord.url,
  });
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^verify: live on the edge after \d+ s \(all 2 names\)$/m);
  t.match(r.stdout, /^notify: slack: sent$/m);
  t.match(r.stdout, /^notify: discord: sent$/m);
  t.ok(
    sb.edgeHandshakes.some((h) => h.fingerprint256 === NEW.fingerprint256),
    'the edge served the upload to the check',
  );
  const slack = sb.slackMessages.at(-1) as { attachments: Array<{ fields: Array<{ title: string; value: string }> }> };
  t.match(slack.attachments[0]!.fields.find((f) => f.title === 'Edge')?.value, /^live on the edge/);
  t.equal(sb.notify.discord.messages.length, 1);
});

t.test('a Slack that answers too late: retried as a timeout, the deploy still succeeds', async (t) => {
  const sb = await sandbox(t);
  sb.fault({ target: 'slack', delayMs: 3000, times: 3 });
  const r = await lego({ ...settings(sb), SLACK_WEBHOOK_URL: sb.slackUrl, SLACK_TIMEOUT: '0.3' });
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^warning: notify: slack failed: timeout after 3 attempts$/m);
  t.notMatch(r.stdout + r.stderr, /request failed|INTERNAL/);
});

t.test('a bad notifier setting is a CONFIG error (exit 3) from the hook bundle too, before any upload', async (t) => {
  const sb = await sandbox(t);
  const r = await lego({ ...settings(sb), TELEGRAM_BOT_TOKEN: '12345:abcdefghijklmnopqrstuvwxyz0123456789' });
  t.equal(r.code, 3, r.stdout + r.stderr);
  t.match(r.stderr, /^beluga-cert: CONFIG: .*TELEGRAM_CHAT_ID/m);
  t.same(
    sb.requests.filter((q) => q.method !== 'GET'),
    [],
    'nothing uploaded',
  );
});
