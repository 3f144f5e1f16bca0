/**
 * A lock written on another host (a Kubernetes CronJob pod that was killed: the next pod has a new
 * host name) cannot be checked by pid. Once it is older than any run can hold a lock, by its own
 * time and by its file's, the next deploy removes it with one warning line; a younger one still
 * stops the deploy. Each case runs `beluga-cert deploy` as a child against the sandbox.
 */
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/index.js';
import { EXIT } from '../src/errors.js';
import { STALE_LOCK_MS } from '../src/journal/lock-file.js';
import { fixture, runCli } from './helpers/run-cli.js';
import { EXAMPLE_RECORD } from './helpers/example-record.js';

const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };
const ec = ['--cert', fixture('ec256.crt'), '--key', fixture('ec256.sec1.key')];
const HOUR = 3_600_000;

async function setup(t: Test) {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [EXAMPLE_RECORD],
  });
  t.teardown(() => sb.close());
  const state = await mkdtemp(join(tmpdir(), 'bch-lock-host-'));
  t.teardown(() => rm(state, { recursive: true, force: true }));
  await chmod(state, 0o700);
  // A budget of 6 s waits 2 s for a held lock: short, and only reached when the lock stays.
  const env = {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    BELUGA_HOOK_STATE_DIR: state,
    BELUGA_RUN_BUDGET: '6',
  };
  return { sb, env, lock: join(state, 'domain_example.com.lock') };
}

/** A lock as a run on `host` writes it, saying it was taken `takenAgoMs` ago, its file last written `writtenAgoMs` ago. */
async function plant(path: string, host: string, takenAgoMs: number, writtenAgoMs: number, pid = 7): Promise<string> {
  const at = new Date(Date.now() - takenAgoMs).toISOString();
  await writeFile(path, JSON.stringify({ pid, host, at, token: '0123456789abcdef' }), { mode: 0o600 });
  const written = new Date(Date.now() - writtenAgoMs);
  await utimes(path, written, written);
  return at;
}

const uploads = (sb: { requests: Array<{ method: string }> }) => sb.requests.filter((q) => q.method === 'PUT').length;

t.test('the stale age is four times the longest run budget', async (t) => {
  t.equal(STALE_LOCK_MS, 4 * HOUR);
});

t.test('a lock from a gone pod, older than any run, is removed with one warning and the deploy goes on', async (t) => {
  const { sb, env, lock } = await setup(t);
  const at = await plant(lock, 'certs-cronjob-28971234-x7k2p', 5 * HOUR, 5 * HOUR);
  const r = await runCli(['deploy', ...ec], env);
  t.equal(r.code, EXIT.OK, r.stderr);
  const warnings = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('removed the lock'));
  t.same(
    warnings.map((l) => l.replace(/^.*?warning: /, '')),
    [
      `removed the lock ${lock} left by pid 7 on certs-cronjob-28971234-x7k2p (since ${at}), older than any run lasts (4 h)`,
    ],
  );
  t.equal(uploads(sb), 1, 'deployed');
  t.notOk(existsSync(lock), 'this run released its own lock');
});

t.test('a lock from another host younger than that still stops the deploy, naming the host', async (t) => {
  const { sb, env, lock } = await setup(t);
  await plant(lock, 'certs-cronjob-28971234-x7k2p', 3 * HOUR, 3 * HOUR);
  const r = await runCli(['deploy', ...ec], env);
  t.equal(r.code, EXIT.LOCKED, r.stderr);
  t.match(
    r.stderr,
    new RegExp(
      `LOCKED: another run \\(pid 7 on certs-cronjob-28971234-x7k2p, since .*; if no run is active on certs-cronjob-28971234-x7k2p, remove ${lock} \\(a later run removes it once 4 h old\\)$`,
      'm',
    ),
  );
  t.equal(uploads(sb), 0);
  t.ok(existsSync(lock), 'left in place');
});

t.test(
  'the younger of the two times counts: a clock behind on either side never makes a live lock look old',
  async (t) => {
    for (const [name, takenAgo, writtenAgo] of [
      ["the holder's clock behind", 5 * HOUR, 0],
      ["the file's time behind", 0, 5 * HOUR],
    ] as const) {
      const { sb, env, lock } = await setup(t);
      await plant(lock, 'other-host.example', takenAgo, writtenAgo);
      const r = await runCli(['deploy', ...ec], env);
      t.equal(r.code, EXIT.LOCKED, `${name}: ${r.stderr}`);
      t.equal(uploads(sb), 0, `${name}: nothing uploaded`);
    }
  },
);

t.test('on this host too: a lock that old is stale even if its pid now names a live process', async (t) => {
  const { sb, env, lock } = await setup(t);
  // The test runner's own pid: alive, as a reused pid would be.
  await plant(lock, hostname(), 5 * HOUR, 5 * HOUR, process.pid);
  const r = await runCli(['deploy', ...ec], env);
  t.equal(r.code, EXIT.OK, r.stderr);
  t.match(
    r.stdout + r.stderr,
    new RegExp(
      `removed the lock ${lock} left by pid ${process.pid} \\(since [^)]+\\), older than any run lasts \\(4 h\\)`,
    ),
  );
  t.equal(uploads(sb), 1);
});
