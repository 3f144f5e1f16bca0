/**
 * Nothing is lost when a run dies or waits: `deploy` is killed at each step (before the list,
 * during the PUT, after the PUT before the journal write, during notify), or meets another run's
 * lock, or fails with an error that quotes a PEM block; afterwards `pending` shows the certificate
 * and `retry` finishes the job. Child processes against the sandbox; the sandbox holds a request
 * (before or after applying it) so the kill lands exactly at that step.
 *
 * "Nothing uploaded twice": once a run or a retry has recorded the deploy, nothing uploads that
 * certificate again. A PUT whose answer the killed run never read is repeated once by `retry`: the
 * API shows no fingerprint, so whether it landed cannot be known (that repeat is the retry
 * finishing the job, and is counted below).
 */
import t, { type Test } from 'tap';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Fault, type Sandbox } from './helpers/sandbox.js';
import { fixture, fixtureText, runCli } from './helpers/run-cli.js';
import { spawnCli, until } from './helpers/spawn-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'cs-id', tokenSecret: 'crash-safety-secret-0123' };
const deploy = ['deploy', '--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];
const NEWEST = new X509Certificate(fixtureText('ec256.crt')).fingerprint256;
const HOLD = 60_000; // the sandbox holds the request this long: the kill always comes first

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
    BELUGA_VERIFY: 'off',
  };
  return { sb, state, env };
}
const puts = (sb: Sandbox) => sb.requests.filter((r) => r.method === 'PUT').length;
const onRecord = (sb: Sandbox) => new X509Certificate(sb.records()[0]!.certificate).fingerprint256;
const entry = async (state: string) => JSON.parse(await readFile(join(state, 'domain_example.com.json'), 'utf8'));

interface Step {
  name: string;
  fault: Fault;
  /** The moment to kill: the request the sandbox now holds has arrived (and, after the PUT, landed). */
  reached: (sb: Sandbox) => boolean;
  signal?: NodeJS.Signals;
  /** Whether the killed run left the certificate pending (else it had recorded the deploy). */
  pending: boolean;
  /** PUT requests in all, the killed run's and retry's. */
  puts: number;
}

const steps: Step[] = [
  {
    name: 'before the list',
    fault: { target: 'api', method: 'GET', delayMs: HOLD },
    reached: (sb) => sb.requests.length === 1,
    pending: true,
    puts: 1,
  },
  {
    name: 'during the PUT',
    fault: { target: 'api', method: 'PUT', delayMs: HOLD },
    reached: (sb) => puts(sb) === 1,
    pending: true,
    puts: 2,
  },
  {
    name: 'during the PUT, by SIGTERM',
    fault: { target: 'api', method: 'PUT', delayMs: HOLD },
    reached: (sb) => puts(sb) === 1,
    signal: 'SIGTERM',
    pending: true,
    puts: 2,
  },
  {
    name: 'after the PUT, before the journal write',
    fault: { target: 'api', method: 'PUT', answerDelayMs: HOLD },
    reached: (sb) => onRecord(sb) === NEWEST,
    pending: true,
    puts: 2,
  },
  {
    name: 'during notify',
    fault: { target: 'slack', delayMs: HOLD },
    reached: (sb) => sb.slackRequests.length === 1,
    pending: false,
    puts: 1,
  },
];

for (const step of steps) {
  t.test(`killed ${step.name}: pending shows it, retry finishes it, nothing goes twice`, async (t) => {
    const { sb, state, env } = await setup(t);
    sb.fault(step.fault);
    const run = spawnCli(deploy, env);
    t.ok(await until(() => step.reached(sb)), `the run reached the step: ${run.output()}`);
    run.child.kill(step.signal ?? 'SIGKILL');
    t.equal(await run.ended, step.signal ?? 'SIGKILL', 'the run was killed there');

    const listed = await runCli(['pending'], env);
    if (step.pending) {
      t.match(
        listed.stdout,
        /domain:example.com: sha256 .* pending since .*; in flight since /,
        'pending names the certificate a dead run was deploying',
      );
      t.match(await entry(state), { pending: { fingerprint256: NEWEST, inFlight: String } });
    } else {
      t.match(listed.stdout, /nothing pending/, 'the deploy was recorded before notify');
    }

    const retried = await runCli(['retry'], env);
    t.equal(retried.code, 0, retried.stdout + retried.stderr);
    t.match(retried.stdout, step.pending ? /retry: 1 of 1 done, 0 still pending/ : /retry: nothing pending/);
    t.equal(onRecord(sb), NEWEST, 'the record holds the newest certificate');
    t.equal(puts(sb), step.puts, `${step.puts} PUT(s) in all`);
    t.notOk((await entry(state)).pending, 'nothing pending in the journal');

    // Done is done: neither another retry nor the hook again uploads anything.
    t.match((await runCli(['retry'], env)).stdout, /retry: nothing pending/);
    const again = await runCli(deploy, env);
    t.match(again.stdout, /unchanged: already deployed to Beluga certificate id=1001/);
    t.equal(puts(sb), step.puts, 'no further upload');
  });
}

t.test('a newer certificate that meets LOCKED is pending, and retry deploys it once the holder ends', async (t) => {
  const { sb, state, env } = await setup(t);
  // A live holder (this test process), as a run polling the edge would be.
  const lock = join(state, 'domain_example.com.lock');
  await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }), {
    mode: 0o600,
  });
  const locked = await runCli(deploy, { ...env, BELUGA_RUN_BUDGET: '6' });
  t.equal(locked.code, 24, locked.stderr);
  t.match(locked.stdout, /pending: the certificate is pending: run beluga-cert retry/);
  t.equal(puts(sb), 0, 'nothing sent while another run holds the record');
  t.match(await entry(state), { pending: { fingerprint256: NEWEST }, attempts: [{ code: 'LOCKED' }] });
  t.match((await runCli(['pending'], env)).stdout, /domain:example.com: .* last: LOCKED: another run/);

  await unlink(lock);
  const retried = await runCli(['retry'], env);
  t.equal(retried.code, 0, retried.stdout + retried.stderr);
  t.equal(onRecord(sb), NEWEST);
  t.equal(puts(sb), 1);
});

t.test('an error text quoting a PEM block is recorded without the block; the certificate stays pending', async (t) => {
  const { sb, state, env } = await setup(t);
  // A PEM block of nothing that was sent (the redaction filter drops what was): the journal's own rule must act.
  const base64 = randomBytes(600).toString('base64').replace(/.{64}/g, '$&\n');
  const body = `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
  sb.fault({ target: 'api', method: 'PUT', status: 400, body });
  const failed = await runCli(deploy, env);
  t.equal(failed.code, 31, failed.stderr);
  t.notMatch(failed.stdout, /could not record/, 'the journal took the failure');
  const recorded = await entry(state);
  t.match(recorded, {
    pending: { fingerprint256: NEWEST },
    attempts: [{ code: 'REMOTE_REJECTED', error: /HTTP 400: \[PEM block left out\]/ }],
  });
  t.notMatch(JSON.stringify(recorded), /BEGIN CERTIFICATE-----\s*\S{16}/, 'no PEM block in the journal');
  const retried = await runCli(['retry'], env);
  t.equal(retried.code, 0, retried.stdout + retried.stderr);
  t.equal(onRecord(sb), NEWEST);
});

t.test(
  'retry leaves a certificate to the live run that is deploying it, and finishes it once that run is killed',
  async (t) => {
    const { sb, env } = await setup(t);
    sb.fault({ target: 'api', method: 'PUT', delayMs: HOLD });
    // The run waits for its PUT as long as its budget allows: it is still at work when retry looks.
    const run = spawnCli(deploy, { ...env, BELUGA_TIMEOUT: '80' });
    t.teardown(() => {
      run.child.kill('SIGKILL');
    });
    t.ok(await until(() => puts(sb) === 1), `the run is in its PUT: ${run.output()}`);
    const meanwhile = await runCli(['retry'], env);
    t.equal(meanwhile.code, 0, meanwhile.stdout + meanwhile.stderr);
    t.match(
      meanwhile.stdout,
      /retry: domain:example.com: a run has been deploying it since .* and still holds it; left to that run/,
    );
    t.match(meanwhile.stdout, /retry: 0 of 1 done, 0 still pending, 1 in flight in another run/);
    t.equal(puts(sb), 1, 'retry sent nothing beside the live run');
    t.equal(sb.slackMessages.length, 0, 'and told nobody');

    run.child.kill('SIGKILL');
    await run.ended;
    const after = await runCli(['retry'], env);
    t.equal(after.code, 0, after.stdout + after.stderr);
    t.match(after.stdout, /retry: 1 of 1 done/);
    t.equal(onRecord(sb), NEWEST);
  },
);
