/**
 * `beluga-cert deploy` as a child process, against the sandbox over real loopback HTTP: the
 * whole pipeline, every refusal with its exit code, and that nothing secret is ever printed.
 */
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from './helpers/sandbox.js';
import type { Sandbox, SeedRecord } from './helpers/sandbox.js';
import { fixture, fixtureText, runCli, type CliResult } from './helpers/run-cli.js';

const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };
const BASIC = { username: 'ops@example.com', password: 'basic-password-987' };
const SECRETS = [TOKEN.tokenSecret, BASIC.password];
const keyBase64 = (name: string) =>
  fixtureText(name)
    .split('\n')
    .filter((l) => l.length > 20 && !l.startsWith('-----'));

const oldRecord = (id: string | number = '1001'): SeedRecord => ({
  id,
  site: 'example-com',
  certificate: fixtureText('rsa2048.crt'),
  key: fixtureText('rsa2048.pkcs1.key'),
});
const newCert = ['--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];

async function sandbox(t: Test, records: SeedRecord[] = [oldRecord()], numericIds = false): Promise<Sandbox> {
  const sb = await startSandbox({ credentials: { ...TOKEN, ...BASIC }, records, numericIds });
  t.teardown(() => sb.close());
  return sb;
}

const env = (sb: Sandbox, extra: Record<string, string> = {}) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  SLACK_WEBHOOK_URL: sb.slackUrl,
  ...extra,
});

/** Nothing secret in any output: credentials, the webhook URL, or the private key. */
function assertNoSecrets(t: Test, sb: Sandbox, r: CliResult, keyFile = 'ec256.sec1.key') {
  const all = r.stdout + r.stderr;
  for (const s of [...SECRETS, sb.slackUrl, ...keyBase64(keyFile)]) {
    t.notOk(all.includes(s), `output does not contain a secret (${s.slice(0, 6)}…)`);
  }
  t.notMatch(all, /PRIVATE KEY/);
}

const puts = (sb: Sandbox) => sb.requests.filter((r) => r.method !== 'GET');

t.test('deploys a renewed certificate: PUT with id, leaf, key and chain; Slack told', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(['deploy', ...newCert], env(sb));
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /resolve: update Beluga certificate id=1001/);
  t.match(r.stdout, /upload: updated Beluga certificate id=1001/);
  t.match(r.stdout, /notify: slack: sent/);
  t.same(
    sb.requests.map((q) => `${q.method} ${q.path}`),
    ['GET /api/cdn/v2/ssl-certificates', 'PUT /api/cdn/v2/ssl-certificates'],
  );
  const put = sb.requests[1];
  t.match(put.headers.authorization, /^Token tok-id [0-9a-f]{128}$/);
  t.equal(put.headers['content-type'], 'application/json');
  t.equal(put.headers.accept, 'application/json');
  const body = JSON.parse(put.body);
  t.same(Object.keys(body), ['id', 'certificate', 'key', 'chain']);
  t.equal(body.id, '1001');
  // The leaf alone, exactly as `openssl x509` prints it; intermediates go in chain.
  t.equal(body.certificate, execFileSync('openssl', ['x509', '-in', fixture('ec256.bundle.crt')]).toString());
  t.equal(body.key.trim(), fixtureText('ec256.sec1.key').trim());
  t.equal(body.chain, fixtureText('chain.pem'));
  const stored = sb.records().find((x) => x.id === '1001');
  t.equal(
    new X509Certificate(stored!.certificate).fingerprint256,
    new X509Certificate(fixtureText('ec256.crt')).fingerprint256,
  );
  t.equal(sb.slackMessages.length, 1);
  const msg = sb.slackMessages[0] as any;
  t.equal(msg.attachments[0].pretext, 'Renewed SSL certificate successfully');
  t.equal(msg.attachments[0].color, '#36a64f');
  t.equal(msg.attachments[0].footer, 'Certificate renewal');
  t.same(
    msg.attachments[0].fields.find((f: any) => f.title === 'Domain'),
    { title: 'Domain', value: 'example.com', short: true },
  );
  t.match(msg.text, /example\.com.*1001/);
  t.notOk('channel' in msg || 'username' in msg || 'icon_emoji' in msg, 'no channel/username/icon unless set');
  assertNoSecrets(t, sb, r);
});

t.test('basic auth, numeric ids kept as numbers, SLACK_* style settings, no chain when disabled', async (t) => {
  const sb = await sandbox(t, [oldRecord(1001)], true);
  const r = await runCli(['deploy', ...newCert], {
    BELUGA_BASE_URL: sb.url,
    BELUGA_USERNAME: BASIC.username,
    BELUGA_PASSWORD: BASIC.password,
    BELUGA_SEND_CHAIN: 'false',
    SLACK_WEBHOOK_URL: sb.slackUrl,
    SLACK_CHANNEL: '#general',
    SLACK_USERNAME: 'Job information',
    SLACK_ICON_EMOJI: ':osmc:',
  });
  t.equal(r.code, 0, r.stderr);
  const put = puts(sb)[0];
  t.match(put.headers.authorization, /^Basic /);
  t.notOk(put.headers.date, 'basic auth sends no Date signature header');
  const body = JSON.parse(put.body);
  t.equal(body.id, 1001, 'id goes back as the server sent it (a number)');
  t.notOk('chain' in body, 'BELUGA_SEND_CHAIN=false leaves chain out');
  const msg = sb.slackMessages[0] as any;
  t.same([msg.channel, msg.username, msg.icon_emoji], ['#general', 'Job information', ':osmc:']);
  assertNoSecrets(t, sb, r);
});

t.test('token wins when both token and basic are configured', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(
    ['deploy', ...newCert],
    env(sb, { BELUGA_USERNAME: BASIC.username, BELUGA_PASSWORD: BASIC.password }),
  );
  t.equal(r.code, 0, r.stderr);
  t.ok(sb.requests.every((q) => q.headers.authorization.startsWith('Token ')));
});

t.test('--dry-run reads, checks and resolves with GET only, sends nothing, shows no key', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(['deploy', ...newCert, '--dry-run'], env(sb));
  t.equal(r.code, 0, r.stderr);
  t.same(
    sb.requests.map((q) => q.method),
    ['GET'],
  );
  t.equal(sb.slackRequests.length, 0);
  t.match(
    r.stdout,
    /dry run: would PUT the certificate \(2 names\), chain of 2, and the private key \(not shown\); nothing sent/,
  );
  assertNoSecrets(t, sb, r);
});

t.test('--json prints one JSON document on stdout', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(['deploy', ...newCert, '--json'], env(sb));
  t.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  const manifestFp = new X509Certificate(fixtureText('ec256.crt')).fingerprint256;
  t.match(doc, {
    ok: true,
    domain: 'example.com',
    names: ['example.com', 'www.example.com'],
    action: 'update',
    belugaId: '1001',
    fingerprint256: manifestFp,
    chainCount: 2,
  });
  t.match(r.stderr, /upload: updated/);
  const fail = await runCli(
    ['deploy', '--cert', fixture('expired.crt'), '--key', fixture('expired.key'), '--json'],
    env(sb),
  );
  t.match(JSON.parse(fail.stdout), { ok: false, code: 'CERT_EXPIRED', exitCode: 15 });
});

t.test('no record: create for BELUGA_SITE, else stop and say which setting', async (t) => {
  const sb = await sandbox(t, []);
  const none = await runCli(['deploy', ...newCert], env(sb));
  t.equal(none.code, 20);
  t.match(
    none.stderr,
    /^beluga-cert: NO_RECORD: no Beluga certificate holds example.com; set BELUGA_SITE .* or BELUGA_CERT_ID/,
  );
  t.equal(none.stderr.trim().split('\n').length, 1, 'one line');
  t.equal(puts(sb).length, 0);
  const fail = sb.slackMessages[0] as any;
  t.equal(fail.attachments[0].color, 'danger');
  t.match(fail.text, /NO_RECORD|no Beluga certificate/);

  const created = await runCli(['deploy', ...newCert], env(sb, { BELUGA_SITE: 'my-site' }));
  t.equal(created.code, 0, created.stderr);
  const post = puts(sb)[0];
  t.equal(`${post.method} ${post.path}`, 'POST /api/cdn/v2/ssl-certificates');
  t.same(Object.keys(JSON.parse(post.body)).sort(), ['certificate', 'chain', 'key', 'site']);
  t.equal(JSON.parse(post.body).site, 'my-site');
  t.equal(sb.records().length, 1);
  t.match(created.stdout, /created Beluga certificate id=/);
});

t.test('ambiguous records, a pinned id, a missing pinned id', async (t) => {
  const twins = [oldRecord('1'), { ...oldRecord('2'), site: 'b' }];
  const sb = await sandbox(t, twins);
  const amb = await runCli(['deploy', ...newCert], env(sb));
  t.equal(amb.code, 21);
  t.match(amb.stderr, /id=1 \(example.com, www.example.com\); id=2 .*set BELUGA_CERT_ID/);
  const pinned = await runCli(['deploy', ...newCert], env(sb, { BELUGA_CERT_ID: '2' }));
  t.equal(pinned.code, 0, pinned.stderr);
  t.equal(JSON.parse(puts(sb)[0].body).id, '2');
  const missing = await runCli(['deploy', ...newCert], env(sb, { BELUGA_CERT_ID: '77' }));
  t.equal(missing.code, 22);
  t.match(missing.stderr, /BELUGA_CERT_ID=77 is not among the 2 Beluga certificates/);
});

t.test('name loss is refused unless --allow-name-loss', async (t) => {
  const sb = await sandbox(t, [{ ...oldRecord(), names: ['example.com', 'www.example.com', 'shop.example.com'] }]);
  const refused = await runCli(['deploy', ...newCert], env(sb));
  t.equal(refused.code, 23);
  t.match(refused.stderr, /does not cover shop.example.com, which Beluga certificate id=1001 serves now/);
  t.equal(puts(sb).length, 0);
  const allowed = await runCli(['deploy', ...newCert, '--allow-name-loss'], env(sb));
  t.equal(allowed.code, 0, allowed.stderr);
  t.match(allowed.stdout, /warning: --allow-name-loss: shop.example.com will no longer be covered/);
});

t.test('remote failures: each a distinct exit code and a line naming the call and status', async (t) => {
  const cases: Array<[string, Parameters<Sandbox['fault']>[0] | undefined, Record<string, string>, number, RegExp]> = [
    [
      'wrong secret',
      undefined,
      { BELUGA_TOKEN_SECRET: 'wrong-secret-xyz' },
      30,
      /beluga: list certificates: HTTP 401.*credentials rejected; check BELUGA_TOKEN_ID\/BELUGA_TOKEN_SECRET/,
    ],
    ['403', { target: 'api', status: 403 }, {}, 30, /HTTP 403/],
    [
      '200 + result failure on PUT',
      { target: 'api', method: 'PUT', failure: true },
      {},
      31,
      /beluga: update certificate id=1001: refused \(result: failure, HTTP 200/,
    ],
    ['404 on PUT', { target: 'api', method: 'PUT', status: 404 }, {}, 31, /update certificate id=1001: HTTP 404/],
    [
      '500 on every attempt',
      { target: 'api', status: 500, times: 10 },
      { BELUGA_RETRIES: '2' },
      32,
      /list certificates: HTTP 500.*try again later/,
    ],
    [
      'HTML from a proxy',
      { target: 'api', status: 502, body: '<html><body>Bad gateway</body></html>', times: 10 },
      { BELUGA_RETRIES: '2' },
      32,
      /HTTP 502: <html><body>Bad gateway/,
    ],
    ['200 not JSON', { target: 'api', status: 200, body: 'hello' }, {}, 32, /HTTP 200: hello: answer is not JSON/],
    [
      'list of the wrong shape',
      { target: 'api', status: 200, body: '{"count": 1}' },
      {},
      32,
      /no "certificates" array/,
    ],
    [
      'dropped connection',
      { target: 'api', drop: true, times: 10 },
      { BELUGA_RETRIES: '2' },
      32,
      /list certificates: connection failed.*\(2 attempts\)/,
    ],
    [
      'slower than the timeout',
      { target: 'api', delayMs: 5000, times: 10 },
      { BELUGA_TIMEOUT: '0.3', BELUGA_RETRIES: '2' },
      32,
      /list certificates: no answer within 0.3 s/,
    ],
  ];
  for (const [name, fault, extra, code, pattern] of cases) {
    const sb = await sandbox(t);
    if (fault) sb.fault(fault);
    const r = await runCli(['deploy', ...newCert], env(sb, extra));
    t.equal(r.code, code, `${name}: exit code`);
    t.match(r.stderr, pattern, `${name}: message`);
    t.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line`);
    t.equal((sb.slackMessages[0] as any)?.attachments?.[0]?.color, 'danger', `${name}: failure told to Slack`);
    assertNoSecrets(t, sb, r);
    await sb.close();
  }
});

t.test('a failed notification is a warning, never a failed deploy; no webhook, no message', async (t) => {
  const sb = await sandbox(t);
  sb.fault({ target: 'slack', status: 500, body: 'rollup_error', times: 5 });
  const r = await runCli(['deploy', ...newCert], env(sb));
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /warning: notify: slack failed: HTTP 500/);
  t.equal(puts(sb).length, 1, 'the upload happened');
  assertNoSecrets(t, sb, r);

  const quiet = await sandbox(t);
  const { SLACK_WEBHOOK_URL: _omit, ...noSlack } = env(quiet);
  const q = await runCli(['deploy', ...newCert], noSlack);
  t.equal(q.code, 0, q.stderr);
  t.equal(quiet.slackRequests.length, 0);
  t.notMatch(q.stdout + q.stderr, /notify|slack/i);
});

t.test('bad input: one line, its own exit code, nothing sent to Beluga, failure told to Slack', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bch-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cases: Array<[string, string[], number, RegExp]> = [
    ['missing cert', ['--cert', join(dir, 'nope.crt'), '--key', fixture('ec256.sec1.key')], 10, /nope\.crt/],
    ['empty cert', ['--cert', fixture('empty.crt'), '--key', fixture('ec256.sec1.key')], 10, /empty/],
    ['DER cert', ['--cert', fixture('ec256.der'), '--key', fixture('ec256.sec1.key')], 11, /DER/],
    ['encrypted key', ['--cert', fixture('rsa2048.crt'), '--key', fixture('encrypted-pkcs8.key')], 12, /encrypted/],
    ['unsupported key', ['--cert', fixture('ed25519.crt'), '--key', fixture('ed25519.key')], 13, /ed25519|Ed25519/i],
    ['mismatched key', ['--cert', fixture('ec256.crt'), '--key', fixture('other.key')], 14, /does not (match|belong)/],
    ['expired', ['--cert', fixture('expired.crt'), '--key', fixture('expired.key')], 15, /expired/],
    ['not yet valid', ['--cert', fixture('notyet.crt'), '--key', fixture('notyet.key')], 16, /not valid until 2100/],
    [
      'domain not in cert',
      [...newCert, '--domain', 'example.org'],
      17,
      /example\.org.*example\.com, www\.example\.com/,
    ],
    ['unrelated chain', [...newCert, '--chain', fixture('unrelated.crt')], 18, /unrelated|does not link|not issued/i],
  ];
  for (const [name, args, code, pattern] of cases) {
    const sb = await sandbox(t);
    const r = await runCli(['deploy', ...args], env(sb));
    t.equal(r.code, code, `${name}: exit code`);
    t.match(r.stderr, pattern, `${name}: message`);
    t.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line`);
    t.equal(sb.requests.length, 0, `${name}: nothing reached Beluga`);
    t.equal((sb.slackMessages[0] as any)?.attachments?.[0]?.color, 'danger', `${name}: failure told to Slack`);
    assertNoSecrets(t, sb, r, args[3]?.split('/').pop() ?? 'ec256.sec1.key');
    await sb.close();
  }
});

t.test('configuration errors and usage', async (t) => {
  const none = await runCli(['deploy', ...newCert], {});
  t.equal(none.code, 3);
  t.match(
    none.stderr,
    /missing settings: BELUGA_TOKEN_ID and BELUGA_TOKEN_SECRET \(or BELUGA_USERNAME and BELUGA_PASSWORD\)/,
  );

  const dir = await mkdtemp(join(tmpdir(), 'bch-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'env');
  await writeFile(file, `BELUGA_TOKEN_ID=x\nBELUGA_TOKEN_SECRET=${TOKEN.tokenSecret}\n`);
  await chmod(file, 0o644);
  const open = await runCli(['deploy', ...newCert], { BELUGA_HOOK_CONFIG: file });
  t.equal(open.code, 3);
  t.match(open.stderr, /chmod 600/);
  t.notOk(open.stderr.includes(TOKEN.tokenSecret));

  const usage = await runCli(['deploy', '--cert', fixture('ec256.crt')]);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /USAGE: Missing required argument: key/);
  const unknown = await runCli(['frobnicate']);
  t.equal(unknown.code, 2);
  const help = await runCli(['deploy', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--allow-name-loss/);
  const version = await runCli(['--version']);
  t.equal(version.stdout.trim(), JSON.parse(fixtureText('../../package.json')).version);
});

t.test('a secret echoed by the server is redacted on the terminal and in the Slack message', async (t) => {
  const sb = await sandbox(t);
  sb.fault({
    target: 'api',
    method: 'PUT',
    status: 400,
    body: JSON.stringify({ result: 'failure', message: `bad secret ${TOKEN.tokenSecret}` }),
  });
  const r = await runCli(['deploy', ...newCert], env(sb));
  t.equal(r.code, 31);
  t.match(r.stderr, /bad secret \[REDACTED\]/);
  const slack = JSON.stringify(sb.slackMessages);
  t.match(slack, /bad secret \[REDACTED\]/);
  t.notOk(slack.includes(TOKEN.tokenSecret), 'the secret never reaches Slack');
  assertNoSecrets(t, sb, r);
});
