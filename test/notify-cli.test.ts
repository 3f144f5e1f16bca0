/**
 * Notifiers seen from the command line, as child processes against the sandbox's sinks:
 * `beluga-cert notify-test`, a deploy with every notifier on while one of them fails, and
 * NOTIFY_LEVEL deciding what is sent. No URL, token or secret in any output.
 */
import t, { type Test } from 'tap';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sinkSettings, startSandbox, type Sandbox } from './helpers/sandbox.js';
import { startSmtpSink } from './helpers/smtp-sink.js';
import { fixtureText, runCli, type CliResult } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';
import { EC256_FILES, EXAMPLE_RECORD } from './helpers/example-record.js';

const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };
const record = EXAMPLE_RECORD;
const cert = EC256_FILES;

async function sandbox(t: Test): Promise<Sandbox> {
  const sb = await startSandbox({ credentials: TOKEN, records: [record] });
  t.teardown(() => sb.close());
  return sb;
}

/** Every notifier pointed at its sink. */
const notifyEnv = (sb: Sandbox): Record<string, string> => sinkSettings(sb.notify);
const deployEnv = (sb: Sandbox, extra: Record<string, string> = {}) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  ...notifyEnv(sb),
  ...extra,
});

function assertNoSecrets(t: Test, sb: Sandbox, r: CliResult) {
  const all = r.stdout + r.stderr;
  const secrets = [
    sb.slackUrl,
    sb.notify.discord.url,
    sb.notify.discord.url.split('/').pop()!,
    sb.notify.teams.url,
    new URL(sb.notify.teams.url).searchParams.get('sig')!,
    sb.notify.telegram.token,
    sb.notify.telegram.token.split(':')[1]!,
    sb.notify.webhook.url,
    sb.notify.webhook.secret,
    TOKEN.tokenSecret,
  ];
  for (const s of secrets) t.notOk(all.includes(s), `no secret in the output (${s.slice(0, 12)}…)`);
}

t.test('notify-test: every configured notifier, one line each, exit 0', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(['notify-test'], notifyEnv(sb));
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /notify-test: sending a test message through slack, discord, teams, telegram, webhook/);
  for (const name of ['slack', 'discord', 'teams', 'telegram', 'webhook'])
    t.match(r.stdout, new RegExp(`^ok ${name}: sent$`, 'm'));
  t.match(r.stdout, /notify-test: 5 of 5 notifier\(s\) worked/);
  t.match((sb.notify.webhook.messages[0] as { type: string }).type, 'notify.test');
  t.equal(
    sb.notify.discord.messages.length +
      sb.notify.teams.messages.length +
      sb.notify.telegram.messages.length +
      sb.slackMessages.length,
    4,
  );
  assertNoSecrets(t, sb, r);
});

t.test('notify-test: one failing notifier gives NOTIFY_FAILED (40) and says which, redacted; --json', async (t) => {
  const sb = await sandbox(t);
  sb.fault({ target: 'telegram', status: 400 });
  const r = await runCli(['notify-test', '--json'], {
    ...notifyEnv(sb),
    TELEGRAM_CHAT_ID: '-1009',
    SLACK_WEBHOOK_URL: '',
    WEBHOOK_URL: '',
    WEBHOOK_SECRET: '',
  });
  t.equal(r.code, 40, r.stderr);
  const out = JSON.parse(r.stdout);
  t.equal(out.ok, false);
  t.strictSame(
    out.results.map((x: { notifier: string; ok: boolean }) => [x.notifier, x.ok]),
    [
      ['discord', true],
      ['teams', true],
      ['telegram', false],
    ],
  );
  t.match(out.results[2].detail, 'HTTP 400 Bad Request: chat not found');
  t.match(r.stderr, /^FAILED telegram: HTTP 400 Bad Request: chat not found$/m);
  assertNoSecrets(t, sb, r);
});

t.test('notify-test with a bad BELUGA_RUN_BUDGET: CONFIG naming it, nothing sent', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(['notify-test'], { ...notifyEnv(sb), BELUGA_RUN_BUDGET: '0x10' });
  t.equal(r.code, 3, r.stderr);
  t.match(r.stderr, /CONFIG: BELUGA_RUN_BUDGET/);
  t.equal(sb.slackMessages.length, 0, 'nothing sent');
});

t.test('notify-test with nothing configured: CONFIG, naming what turns each notifier on', async (t) => {
  const r = await runCli(['notify-test'], {});
  t.equal(r.code, 3);
  t.match(
    r.stderr,
    /beluga-cert: CONFIG: no notifier is configured; set SLACK_WEBHOOK_URL \(slack\), DISCORD_WEBHOOK_URL \(discord\), TEAMS_WEBHOOK_URL \(teams\), TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID \(telegram\), SMTP_URL \(or SMTP_HOST\), MAIL_FROM and MAIL_TO \(email\), WEBHOOK_URL \(webhook\)/,
  );
});

t.test('a deploy with five notifiers, one hanging and one refused: the others report sent, exit 0', async (t) => {
  const sb = await sandbox(t);
  sb.fault({ target: 'teams', delayMs: 30_000, times: 3 });
  sb.fault({ target: 'discord', status: 404 });
  const r = await runCli(['deploy', ...cert], deployEnv(sb, { NOTIFY_TIMEOUT: '0.5' }));
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /upload: updated Beluga certificate id=1001/);
  for (const name of ['slack', 'telegram', 'webhook']) t.match(r.stdout, new RegExp(`^notify: ${name}: sent$`, 'm'));
  t.match(r.stdout, /^warning: notify: discord failed: HTTP 404 Unknown Webhook \(10015\)$/m);
  t.match(r.stdout, /^warning: notify: teams failed: timeout after 3 attempts$/m);
  t.equal((sb.notify.webhook.messages[0] as { type: string }).type, 'certificate.deployed');
  t.match(sb.notify.telegram.messages[0], { text: /Renewed SSL certificate successfully/ });
  assertNoSecrets(t, sb, r);
});

t.test('a notifier settings problem is a CONFIG error before anything is uploaded', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(['deploy', ...cert], deployEnv(sb, { TELEGRAM_CHAT_ID: '', NOTIFY_LEVEL: 'chatty' }));
  t.equal(r.code, 3);
  t.match(r.stderr, /CONFIG: NOTIFY_LEVEL must be .*got chatty.*missing setting: TELEGRAM_CHAT_ID/);
  t.strictSame(
    sb.requests.filter((q) => q.method !== 'GET'),
    [],
  );
  assertNoSecrets(t, sb, r);
});

t.test('NOTIFY_LEVEL: errors sends no success; all tells a skipped re-run; failures at errors', async (t) => {
  const sb = await sandbox(t);
  const state = tempStateDir();
  const env = {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    ...sinkSettings(sb.notify, ['webhook']),
    BELUGA_HOOK_STATE_DIR: state,
  };
  const quiet = await runCli(['deploy', ...cert], { ...env, NOTIFY_LEVEL: 'errors' });
  t.equal(quiet.code, 0, quiet.stderr);
  t.notMatch(quiet.stdout, /notify:/);
  t.strictSame(sb.notify.webhook.messages, []);
  const again = await runCli(['deploy', ...cert], { ...env, NOTIFY_LEVEL: 'all' });
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /unchanged: /);
  t.match(again.stdout, /notify: webhook: sent/);
  t.match(sb.notify.webhook.messages[0], { type: 'certificate.unchanged', reason: /already/ });
  const unchangedDefault = await runCli(['deploy', ...cert], env);
  t.notMatch(unchangedDefault.stdout, /notify:/, 'the default level does not tell skips');
  const failed = await runCli(['deploy', ...cert, '--domain', 'other.example'], { ...env, NOTIFY_LEVEL: '1' });
  t.not(failed.code, 0);
  t.match(sb.notify.webhook.messages.at(-1), {
    type: 'certificate.deploy_failed',
    error: { code: 'DOMAIN_NOT_IN_CERT' },
  });
  t.equal(sb.notify.webhook.messages.length, 2);
});

t.test('sync: one message per notifier for the run, as NOTIFY_LEVEL says', async (t) => {
  const sb = await sandbox(t);
  const dir = t.testdir();
  await mkdir(join(dir, 'example-tls'));
  await writeFile(join(dir, 'example-tls', 'tls.crt'), fixtureText('ec256.bundle.crt'));
  await writeFile(join(dir, 'example-tls', 'tls.key'), fixtureText('ec256.sec1.key'), { mode: 0o600 });
  const env = {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    BELUGA_HOOK_STATE_DIR: tempStateDir(),
    ...sinkSettings(sb.notify, ['discord', 'teams', 'webhook']),
  };
  const deployed = await runCli(['sync', '--dir', dir], { ...env, NOTIFY_LEVEL: 'errors' });
  t.equal(deployed.code, 0, deployed.stderr);
  t.match(deployed.stdout, /sync: 1 deployed/);
  t.notMatch(deployed.stdout, /notify:/, 'errors: a clean run is not told');
  sb.fault({ target: 'teams', status: 404 });
  const unchanged = await runCli(['sync', '--dir', dir], { ...env, NOTIFY_LEVEL: 'all' });
  t.equal(unchanged.code, 0, unchanged.stderr);
  t.match(unchanged.stdout, /^notify: discord: sent$/m);
  t.match(unchanged.stdout, /^notify: webhook: sent$/m);
  t.match(unchanged.stdout, /^warning: notify: teams failed: HTTP 404 WorkflowNotFound/m);
  t.match(sb.notify.webhook.messages, [
    { type: 'sync.completed', sync: { deployed: [], failed: [], unchanged: 1, unmapped: 0 } },
  ]);
  t.match((sb.notify.discord.messages[0] as any).embeds[0].title, /0 deployed, 0 failed, 1 unchanged, 0 unmapped/);
  const quiet = await runCli(['sync', '--dir', dir], env);
  t.notMatch(quiet.stdout, /notify:/, 'deploys: nothing changed, nothing told');
  assertNoSecrets(t, sb, unchanged);
});

t.test(
  'e-mail beside the others: notify-test through the SMTP sink; the URL password never printed, encoded or not',
  async (t) => {
    const password = 'p@ss word/ñ1';
    const smtp = await startSmtpSink({ user: 'mailer', password });
    t.teardown(() => smtp.close());
    const ca = join(tempStateDir(), 'sandbox-ca.pem');
    await writeFile(ca, smtp.caPem);
    const env = {
      SMTP_URL: `smtp://mailer:${encodeURIComponent(password)}@127.0.0.1:${smtp.port}`,
      SMTP_CA_FILE: ca,
      MAIL_FROM: 'certs@example.com',
      MAIL_TO: 'ops@example.com',
    };
    const ok = await runCli(['notify-test'], env);
    t.equal(ok.code, 0, ok.stdout + ok.stderr);
    t.match(ok.stdout, /^ok email: sent to ops@example\.com$/m);
    t.equal(smtp.messages.length, 1);
    t.equal(smtp.messages[0]!.secure, true, 'sent after STARTTLS');
    t.match(smtp.messages[0]!.raw, /Test message from beluga-cert/);

    const bad = await runCli(['notify-test', '--json'], {
      ...env,
      SMTP_URL: `smtp://mailer:${encodeURIComponent(`${password}x`)}@127.0.0.1:${smtp.port}`,
    });
    t.equal(bad.code, 40, bad.stderr);
    t.match(JSON.parse(bad.stdout), { results: [{ notifier: 'email', ok: false, detail: /535/ }] });
    for (const form of [password, encodeURIComponent(password), `${password}x`, encodeURIComponent(`${password}x`)]) {
      t.notOk(
        (ok.stdout + ok.stderr + bad.stdout + bad.stderr).includes(form),
        `no password in the output (${form.length} chars)`,
      );
    }
  },
);
