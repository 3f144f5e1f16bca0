/**
 * `beluga-cert doctor` as a child process against the sandbox: all well exits 0; every problem is
 * named in one run (setting values, unknown names, the config file's mode, credentials, the clock
 * against the API's Date header, stores, the state directory); --send sends one test message;
 * --json gives every check; no secret ever reaches the output.
 */
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from './helpers/sandbox.js';
import { fixture, runCli, type CliResult } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';
import { EC256_FILES, EXAMPLE_RECORD } from './helpers/example-record.js';
import { nodeCheck } from '../src/doctor/local-checks.js';

const TOKEN = { tokenId: 'doc-tok-id', tokenSecret: 'doc-tok-secret-0123456789' };
const BASIC = { username: 'ops@example.com', password: 'doc-basic-pw-98765' };
const record = EXAMPLE_RECORD;
const cert = EC256_FILES;

async function sandbox(t: Test): Promise<Sandbox> {
  const sb = await startSandbox({ credentials: { ...TOKEN, ...BASIC }, records: [record] });
  t.teardown(() => sb.close());
  return sb;
}

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bch-doctor-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const env = (sb: Sandbox, extra: Record<string, string> = {}): Record<string, string> => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  SLACK_WEBHOOK_URL: sb.slackUrl,
  ...extra,
});

/** The secrets these tests set, in any of the forms they were given. */
function assertNoSecrets(t: Test, sb: Sandbox, r: CliResult) {
  const all = r.stdout + r.stderr;
  for (const s of [TOKEN.tokenSecret, BASIC.password, sb.slackUrl, new URL(sb.slackUrl).pathname])
    t.notOk(all.includes(s), `no secret in the output (${s.slice(0, 10)}…)`);
}

const line = (level: string, what: string) => new RegExp(`^${level}\\s+${what}`, 'm');

/** A lego store (--path) holding one certificate. */
async function legoStore(t: Test): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'certificates'));
  await copyFile(fixture('ec256.bundle.crt'), join(dir, 'certificates', 'example.com.crt'));
  await copyFile(fixture('ec256.sec1.key'), join(dir, 'certificates', 'example.com.key'));
  return dir;
}

t.test('all well: every check ok, the edge as information, exit 0, nothing sent', async (t) => {
  const sb = await sandbox(t);
  const stateDir = tempStateDir();
  const withEdge = env(sb, { BELUGA_HOOK_STATE_DIR: stateDir, BELUGA_EDGE_ADDRESS: sb.edgeAddress });
  const deployed = await runCli(['deploy', ...cert], withEdge);
  t.equal(deployed.code, 0, deployed.stderr);
  const slackBefore = sb.slackMessages.length;
  const r = await runCli(['doctor', '--lego-path', await legoStore(t)], withEdge);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, line('ok', 'config file: none read'));
  t.match(r.stdout, line('ok', 'settings: every BELUGA_ setting is valid'));
  t.match(r.stdout, line('ok', 'setting names: every name is a setting'));
  t.match(r.stdout, line('ok', 'node: Node.js \\d+'));
  t.match(r.stdout, line('ok', `state directory: ${stateDir} is writable by this user`));
  t.match(r.stdout, line('ok', 'credentials: .* accepted BELUGA_TOKEN_ID/BELUGA_TOKEN_SECRET \\(1 certificate record'));
  t.match(r.stdout, line('ok', "clock: this host's clock agrees with Beluga's"));
  t.match(r.stdout, line('ok', 'notifier slack: settings valid'));
  t.match(r.stdout, line('ok', 'store --lego-path .*: 1 lego certificate'));
  t.match(
    r.stdout,
    line('info', 'edge example.com: the edge \\(127\\.0\\.0\\.1:\\d+\\) serves the certificate deployed'),
  );
  t.match(r.stdout, /^doctor: \d+ checks: \d+ ok, \d+ info, 0 warn, 0 FAIL$/m);
  t.notMatch(r.stdout, /^(FAIL|warn)/m);
  t.equal(r.stderr, '');
  t.equal(sb.slackMessages.length, slackBefore, 'no message without --send');
  t.equal(sb.requests.filter((q) => q.method !== 'GET').length, 1, 'doctor changed nothing: only the deploy wrote');
  assertNoSecrets(t, sb, r);

  // An edge this host cannot reach is news, not a failure.
  const unreachable = await runCli(['doctor'], { ...withEdge, BELUGA_EDGE_ADDRESS: '127.0.0.1:1' });
  t.equal(unreachable.code, 0, unreachable.stdout);
  t.match(
    unreachable.stdout,
    line('info', 'edge example.com: the edge \\(127\\.0\\.0\\.1:1\\) does not answer: connection refused'),
  );
});

t.test('the Node.js version against package.json engines', async (t) => {
  t.match(nodeCheck('20.0.0'), { level: 'ok', check: 'node', text: 'Node.js 20.0.0' });
  t.match(nodeCheck('18.19.1'), { level: 'FAIL', text: /Node\.js 18\.19\.1 is too old; install Node\.js 20 or newer/ });
});

t.test('two bad values and a misspelt name: all three in one run; other commands still name the first', async (t) => {
  const sb = await sandbox(t);
  const dir = await tempDir(t);
  const config = join(dir, 'env');
  await writeFile(
    config,
    `BELUGA_TOKEN_SECRET=${TOKEN.tokenSecret}\nBELUGA_RETRIES=many\nSLACK_WEBHOOK=${sb.slackUrl}\nBELUGA_SEND_CHAIN=maybe\n`,
    { mode: 0o600 },
  );
  const e = { BELUGA_HOOK_CONFIG: config, BELUGA_BASE_URL: sb.url, BELUGA_TOKEN_ID: TOKEN.tokenId };
  const r = await runCli(['doctor'], e);
  t.equal(r.code, 5, 'DOCTOR_PROBLEMS');
  t.match(r.stdout, line('FAIL', `setting: ${config} line 2: BELUGA_RETRIES must be a whole number`));
  t.match(r.stdout, line('FAIL', 'setting: BELUGA_SEND_CHAIN must be true or false \\(got maybe\\)'));
  t.match(
    r.stdout,
    line('FAIL', `unknown setting: SLACK_WEBHOOK in ${config} is not a setting .*SLACK_WEBHOOK_URL\\?`),
  );
  t.match(r.stdout, line('ok', `config file: ${config}: its owner and mode are safe`));
  t.match(r.stdout, line('ok', 'credentials:'), 'a bad value does not stop the other checks');
  t.match(r.stdout, /, 3 FAIL; fix each FAIL line/);
  t.match(r.stderr, /^beluga-cert: DOCTOR_PROBLEMS: 3 check\(s\) failed: setting, unknown setting$/m);
  assertNoSecrets(t, sb, r);

  const deploy = await runCli(['deploy', ...cert], e);
  t.equal(deploy.code, 3, 'CONFIG, as before');
  t.match(deploy.stderr, `beluga-cert: CONFIG: ${config} line 2: BELUGA_RETRIES must be a whole number`);
  t.notMatch(deploy.stderr, /SEND_CHAIN/, 'the other commands stop at the first problem, as before');
});

t.test('every kind of value problem, the state directory and a missing store, all in one run', async (t) => {
  const dir = await tempDir(t);
  const config = join(dir, 'env');
  await writeFile(
    config,
    ['BELUGA_SITE="left open', 'BELUGA_TIMEOUT=0x10', 'not a line', `SLACK_WEBHOOK_URL_FILE=${join(dir, 'nope')}`].join(
      '\n',
    ),
    { mode: 0o600 },
  );
  await writeFile(join(dir, 'a-file'), 'x');
  const r = await runCli(['doctor', '--certbot-dir', join(dir, 'missing')], {
    BELUGA_HOOK_CONFIG: config,
    BELUGA_BASE_URL: 'ftp://cdn.example',
    BELUGA_USERNAME: BASIC.username,
    BELUGA_PASSWORD: BASIC.password,
    BELUGA_VERIFY: 'sometimes',
    BELUGA_HOOK_STATE_DIR: join(dir, 'a-file', 'state'),
  });
  t.equal(r.code, 5);
  t.match(r.stdout, line('FAIL', 'setting: .* line 1: the value of BELUGA_SITE opens a quote'));
  t.match(r.stdout, line('FAIL', 'setting: .* line 2: BELUGA_TIMEOUT must be a number of seconds .*plain decimal'));
  t.match(r.stdout, line('FAIL', 'setting: .* line 3 is not KEY=VALUE'));
  t.match(r.stdout, line('FAIL', 'setting: SLACK_WEBHOOK_URL_FILE=.* cannot be read \\(ENOENT\\)'));
  t.match(r.stdout, line('FAIL', 'setting: BELUGA_BASE_URL must be an https:// URL'));
  t.match(r.stdout, line('FAIL', 'setting: BELUGA_VERIFY must be one of'));
  t.match(r.stdout, line('FAIL', 'state directory: .*a-file/state'));
  t.match(r.stdout, line('info', 'credentials: not checked'));
  t.match(r.stdout, line('FAIL', 'store --certbot-dir .*missing: store folder .* does not exist'));
  t.match(r.stdout, line('warn', 'notifiers: none configured'));
  t.match(r.stdout, line('info', 'edge: not asked: BELUGA_VERIFY is off \\(or invalid\\)'));
  t.notOk((r.stdout + r.stderr).includes(BASIC.password));
});

t.test(
  'a config file others can read, holding a secret: FAIL with the fix; a missing state directory is fine',
  async (t) => {
    const sb = await sandbox(t);
    const dir = await tempDir(t);
    const config = join(dir, 'env');
    await writeFile(config, `BELUGA_TOKEN_SECRET=${TOKEN.tokenSecret}\n`);
    await chmod(config, 0o644);
    const stateDir = join(dir, 'not', 'yet');
    const r = await runCli(['doctor'], {
      ...env(sb, { BELUGA_HOOK_CONFIG: config, BELUGA_HOOK_STATE_DIR: stateDir }),
      BELUGA_TOKEN_SECRET: undefined,
    });
    t.equal(r.code, 5);
    t.match(
      r.stdout,
      line('FAIL', `config file: config file ${config} holds secrets \\(BELUGA_TOKEN_SECRET\\) but its mode 0644`),
    );
    t.match(r.stdout, `fix with: chmod 600 ${config}`);
    t.match(r.stdout, line('ok', 'credentials:'), 'the settings it holds are still checked');
    t.match(
      r.stdout,
      line('ok', `state directory: ${stateDir} does not exist yet; the first deploy makes it \\(in ${dir}\\)`),
    );
    t.notOk(existsSync(join(dir, 'not')), 'doctor makes no state directory');
    assertNoSecrets(t, sb, r);
  },
);

t.test('wrong credentials: FAIL naming the settings in use, token or basic', async (t) => {
  const sb = await sandbox(t);
  const token = await runCli(['doctor'], env(sb, { BELUGA_TOKEN_SECRET: 'wrong-secret-abcdef' }));
  t.equal(token.code, 5);
  t.match(token.stdout, line('FAIL', 'credentials: Beluga rejected BELUGA_TOKEN_ID/BELUGA_TOKEN_SECRET: .*HTTP 401'));
  t.notOk((token.stdout + token.stderr).includes('wrong-secret-abcdef'));
  const basic = await runCli(['doctor'], {
    BELUGA_BASE_URL: sb.url,
    BELUGA_USERNAME: BASIC.username,
    BELUGA_PASSWORD: 'wrong-password-xyz',
    SLACK_WEBHOOK_URL: sb.slackUrl,
  });
  t.equal(basic.code, 5);
  t.match(basic.stdout, line('FAIL', 'credentials: Beluga rejected BELUGA_USERNAME/BELUGA_PASSWORD'));
  t.match(basic.stdout, line('ok', 'clock:'), 'a refusal still carries a Date to compare with');
  t.notOk((basic.stdout + basic.stderr).includes('wrong-password-xyz'));
  assertNoSecrets(t, sb, basic);
});

t.test("the clock against the API's Date header: a warning past a minute, a failure past five", async (t) => {
  const sb = await sandbox(t);
  sb.fault({ target: 'api', method: 'GET', skewMs: -2 * 60_000 });
  const warned = await runCli(['doctor'], env(sb));
  t.equal(warned.code, 0, 'a warning alone is no failure');
  t.match(
    warned.stdout,
    line('warn', "clock: this host's clock is [12] min \\d+ s ahead of Beluga's .*sync the clock"),
  );

  sb.fault({ target: 'api', method: 'GET', skewMs: 7 * 60_000 });
  const failed = await runCli(['doctor', '--json'], env(sb));
  t.equal(failed.code, 5);
  t.match(failed.stderr, line('FAIL', "clock: this host's clock is [67] min \\d+ s behind Beluga's .*refused"));
  const doc = JSON.parse(failed.stdout) as { checks: Array<{ check: string; level: string }> };
  t.same(
    doc.checks.filter((c) => c.check === 'clock').map((c) => c.level),
    ['FAIL'],
  );
  assertNoSecrets(t, sb, failed);
});

t.test('--send sends one test message through each notifier, as notify-test does', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(['doctor', '--send'], env(sb));
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, line('ok', 'notifier slack: test message sent'));
  t.equal(sb.slackMessages.length, 1);
  sb.fault({ target: 'slack', status: 404 });
  const failed = await runCli(['doctor', '--send'], env(sb, { NOTIFY_TIMEOUT: '2' }));
  t.equal(failed.code, 5);
  t.match(failed.stdout, line('FAIL', 'notifier slack: test message failed'));
  assertNoSecrets(t, sb, failed);
});

t.test('a notifier with bad settings and a bad NOTIFY_LEVEL: each named, nothing sent', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(
    ['doctor', '--send'],
    env(sb, {
      NOTIFY_LEVEL: 'loud',
      TELEGRAM_BOT_TOKEN: '123:abcdefghijklmnop',
      DISCORD_WEBHOOK_URL: 'http://x.example/',
    }),
  );
  t.equal(r.code, 5);
  t.match(r.stdout, line('FAIL', 'setting: NOTIFY_LEVEL'));
  t.match(r.stdout, line('FAIL', 'notifier discord: '));
  t.match(r.stdout, line('FAIL', 'notifier telegram: .*TELEGRAM_CHAT_ID'));
  t.match(r.stdout, line('ok', 'notifier slack: test message sent'));
  t.notOk((r.stdout + r.stderr).includes('abcdefghijklmnop'));
  assertNoSecrets(t, sb, r);
});

t.test('--json: one document with every check on stdout, the lines on stderr', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(['doctor', '--json', '--dir', join(await tempDir(t), 'none')], env(sb));
  t.equal(r.code, 5);
  const doc = JSON.parse(r.stdout) as {
    ok: boolean;
    exitCode: number;
    counts: Record<string, number>;
    checks: Array<{ level: string; check: string; text: string }>;
  };
  t.equal(doc.ok, false);
  t.equal(doc.exitCode, 5);
  t.same(Object.keys(doc.counts).sort(), ['FAIL', 'info', 'ok', 'warn']);
  t.equal(doc.counts.FAIL, 1);
  for (const c of doc.checks) {
    t.match(c.level, /^(ok|info|warn|FAIL)$/);
    t.type(c.check, 'string');
    t.type(c.text, 'string');
  }
  const failed = doc.checks.filter((c) => c.level === 'FAIL');
  t.equal(failed.length, 1);
  t.match(failed[0]!.check, /^store --dir .*none$/);
  t.equal(r.stderr.split('\n').filter((l) => /^(ok|info|warn|FAIL) /.test(l)).length, doc.checks.length);
  assertNoSecrets(t, sb, r);
});
