import t, { type Test } from 'tap';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openJournal, type JournalDeps } from '../src/journal/index.js';
import { ROOT } from './helpers/run-cli.js';

const KEY = 'domain:*.example.com';
const LOCK = 'domain__2a.example.com.lock';
/** Generous: only ever reached when the code under test is broken, never a timing assertion. */
const LONG_WAIT = 120_000;

async function setup(t: Test, deps: Partial<JournalDeps> = {}) {
  const base = await mkdtemp(join(tmpdir(), 'bch-lock-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const dir = join(base, 'state');
  const warnings: string[] = [];
  const journal = await openJournal(dir, { now: () => new Date(), onWarning: (line) => warnings.push(line), ...deps });
  return { base, dir, journal, warnings, lockPath: join(dir, LOCK) };
}

const plantLock = (path: string, holder: object | string) =>
  writeFile(path, typeof holder === 'string' ? holder : JSON.stringify(holder), { mode: 0o600 });

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (typeof child.pid !== 'number') throw new Error('could not spawn node');
  return child.pid;
}

t.test('one holder at a time in one process; the second gets it after release', async (t) => {
  const { dir, journal, lockPath, warnings } = await setup(t);
  const release = await journal.lock(KEY, 0);
  const holder = JSON.parse(await readFile(lockPath, 'utf8'));
  t.match(holder, { pid: process.pid, host: hostname(), at: String });
  t.equal((await stat(lockPath)).mode & 0o777, 0o600);

  let second: (() => Promise<void>) | undefined;
  const waiting = journal.lock(KEY, LONG_WAIT).then((r) => (second = r));
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(second, undefined, 'still waiting while the first holds it');
  await release();
  await waiting;
  t.type(second, 'function', 'got it after release');
  await second!();
  await release(); // a second release is harmless
  t.same(await readdir(dir), [], 'no lock left');
  t.same(warnings, []);
});

t.test('locks for different records are independent', async (t) => {
  const { journal } = await setup(t);
  const a = await journal.lock(KEY, 0);
  const b = await journal.lock('id:1234', 0);
  const c = await journal.lock('domain:example.com', 0);
  await Promise.all([a(), b(), c()]);
});

t.test('LOCKED after waitMs, naming the holder; nothing is touched', async (t) => {
  const { journal, lockPath } = await setup(t);
  const release = await journal.lock(KEY, 0);
  const before = await readFile(lockPath, 'utf8');
  const { at } = JSON.parse(before);
  for (const waitMs of [0, 150]) {
    await t.rejects(journal.lock(KEY, waitMs), {
      name: 'HookError',
      code: 'LOCKED',
      exitCode: 24,
      message: `another run (pid ${process.pid}, since ${at}) is deploying to ${KEY}; nothing was uploaded; it goes once that run ends`,
    });
  }
  t.equal(await readFile(lockPath, 'utf8'), before);
  await release();
});

t.test('a lock left by a dead process on this host is recovered', async (t) => {
  const { journal, lockPath, warnings } = await setup(t);
  const pid = deadPid();
  await plantLock(lockPath, { pid, host: hostname(), at: '2025-06-01T12:00:00.000Z' });
  const release = await journal.lock(KEY, 0);
  t.equal(JSON.parse(await readFile(lockPath, 'utf8')).pid, process.pid);
  t.same(warnings, [
    `removed the lock ${lockPath} left by pid ${pid} (since 2025-06-01T12:00:00.000Z), which is no longer running`,
  ]);
  await release();
});

t.test("a killed run's lock is recovered by the next run", async (t) => {
  const { dir, journal, lockPath, warnings } = await setup(t);
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    const { openJournal } = await import(${JSON.stringify(pathToFileURL(await builtJournal()).href)});
    const journal = await openJournal(${JSON.stringify(dir)}, { now: () => new Date(), onWarning: () => {} });
    await journal.lock(${JSON.stringify(KEY)}, 0);
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);
  `,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const killTimer = setTimeout(() => child.kill('SIGKILL'), LONG_WAIT);
  t.teardown(() => clearTimeout(killTimer));
  await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
  t.equal(JSON.parse(await readFile(lockPath, 'utf8')).pid, child.pid);
  await t.rejects(
    journal.lock(KEY, 0),
    { code: 'LOCKED', message: new RegExp(`pid ${child.pid}`) },
    'alive: not taken',
  );
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  const release = await journal.lock(KEY, 0);
  t.match(warnings, [new RegExp(`left by pid ${child.pid} .*no longer running`)]);
  await release();
});

t.test('a live lock, or one from another host, is never taken', async (t) => {
  const { journal, lockPath } = await setup(t);
  const holder = { pid: process.ppid, host: hostname(), at: new Date().toISOString() };
  await plantLock(lockPath, holder);
  await t.rejects(journal.lock(KEY, 100), {
    code: 'LOCKED',
    message: new RegExp(`^another run \\(pid ${process.ppid}, since `),
  });
  t.same(JSON.parse(await readFile(lockPath, 'utf8')), holder);

  const foreign = { pid: deadPid(), host: 'other-host.example', at: new Date().toISOString() };
  await plantLock(lockPath, foreign);
  await t.rejects(journal.lock(KEY, 0), {
    code: 'LOCKED',
    message: `another run (pid ${foreign.pid} on other-host.example, since ${foreign.at}) is deploying to ${KEY}; nothing was uploaded; it goes once that run ends; if no run is active on other-host.example, remove ${lockPath} (a later run removes it once 4 h old)`,
  });
  t.same(JSON.parse(await readFile(lockPath, 'utf8')), foreign);
});

t.test('liveness is asked of isAlive; EPERM from kill counts as alive', async (t) => {
  const asked: number[] = [];
  const { journal, lockPath } = await setup(t, { isAlive: (pid) => (asked.push(pid), true) });
  await plantLock(lockPath, { pid: 4242, host: hostname(), at: new Date().toISOString() });
  await t.rejects(journal.lock(KEY, 0), { code: 'LOCKED' });
  t.same(asked, [4242]);
  // pid 1 exists and, to anyone but root, kill(1, 0) answers EPERM: both mean alive.
  const real = await setup(t);
  await plantLock(real.lockPath, { pid: 1, host: hostname(), at: new Date().toISOString() });
  await t.rejects(real.journal.lock(KEY, 0), { code: 'LOCKED', message: /pid 1,/ });
});

t.test('a lock taken before this machine booted is recovered', async (t) => {
  const { journal, lockPath, warnings } = await setup(t, { isAlive: () => true });
  await plantLock(lockPath, { pid: 4242, host: hostname(), at: '2000-01-01T00:00:00.000Z' });
  const release = await journal.lock(KEY, 0);
  t.equal(warnings.length, 1);
  await release();
});

t.test('an empty or unreadable lock file: waited on while fresh, recovered once old', async (t) => {
  const { journal, lockPath, warnings } = await setup(t);
  for (const text of ['', '{"pid": 12', '{"pid": 0, "host": "h", "at": "x"}']) {
    await plantLock(lockPath, text);
    await t.rejects(journal.lock(KEY, 0), {
      code: 'LOCKED',
      message: `another run (lock file ${lockPath} not yet written) is deploying to ${KEY}; nothing was uploaded; it goes once that run ends`,
    });
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(lockPath, minuteAgo, minuteAgo);
    const release = await journal.lock(KEY, 0);
    await release();
  }
  t.equal(warnings.length, 3);
  t.match(warnings[0], /removed the lock \S+ left empty or unreadable by a run that was killed/);
});

t.test('a leftover guard from a killed remover is cleared', async (t) => {
  const { journal, lockPath, dir } = await setup(t, { isAlive: () => false });
  await plantLock(lockPath, { pid: 4242, host: hostname(), at: new Date().toISOString() });
  await writeFile(`${lockPath}.break`, '');
  await t.rejects(journal.lock(KEY, 0), { code: 'LOCKED' }, 'a fresh guard: someone is removing it right now');
  t.ok(existsSync(lockPath), 'so the stale lock stays for now');
  const minuteAgo = new Date(Date.now() - 60_000);
  await utimes(`${lockPath}.break`, minuteAgo, minuteAgo);
  const release = await journal.lock(KEY, LONG_WAIT);
  await release();
  t.same(await readdir(dir), []);
});

t.test('a stale lock replaced by a fresh one before removal is left alone', async (t) => {
  const fresh = { pid: 777, host: hostname(), at: new Date().toISOString() };
  let lockPath = '';
  // Another run recovers the stale lock and takes its own while this one is still judging it.
  const isAlive = (pid: number) => {
    if (pid !== 4242) return true;
    unlinkSync(lockPath);
    writeFileSync(lockPath, JSON.stringify(fresh));
    return false;
  };
  const s = await setup(t, { isAlive });
  lockPath = s.lockPath;
  await plantLock(lockPath, { pid: 4242, host: hostname(), at: '2025-06-01T11:00:00.000Z' });
  await t.rejects(s.journal.lock(KEY, 0), { code: 'LOCKED', message: /pid 4242/ });
  t.same(JSON.parse(await readFile(lockPath, 'utf8')), fresh, 'the fresh lock is not removed');
  t.same(s.warnings, []);
  await t.rejects(s.journal.lock(KEY, 0), { code: 'LOCKED', message: /pid 777/ });
});

t.test('release removes only its own lock', async (t) => {
  const { journal, lockPath, warnings } = await setup(t);
  const release = await journal.lock(KEY, 0);
  await unlink(lockPath);
  const other = { pid: process.ppid, host: hostname(), at: new Date().toISOString() };
  await plantLock(lockPath, other);
  await release();
  t.same(JSON.parse(await readFile(lockPath, 'utf8')), other, 'the other lock stays');
  t.same(warnings, [`the lock ${lockPath} was removed or replaced by someone else while this run held it`]);
});

t.test('two processes contending for one record never interleave', async (t) => {
  const { base, dir } = await setup(t);
  const script = join(base, 'contender.mjs');
  const out = join(base, 'critical.log');
  const go = join(base, 'go');
  const rounds = 15;
  await writeFile(
    script,
    `
    import { appendFileSync, existsSync } from 'node:fs';
    import { setTimeout as sleep } from 'node:timers/promises';
    const [moduleUrl, dir, out, go, name, rounds] = process.argv.slice(2);
    const { openJournal } = await import(moduleUrl);
    const journal = await openJournal(dir, { now: () => new Date(), onWarning: (l) => process.stderr.write(l + '\\n') });
    for (let i = 0; i < 1200 && !existsSync(go); i++) await sleep(25);
    for (let i = 0; i < Number(rounds); i++) {
      const release = await journal.lock('domain:example.com', ${LONG_WAIT});
      appendFileSync(out, name + ' enter ' + i + '\\n');
      // read, change, write: an update lost here would show in the count of attempts
      const entry = (await journal.read('domain:example.com')) ?? { key: 'domain:example.com', domain: 'example.com', attempts: [] };
      await sleep(2);
      entry.attempts.push({ at: new Date().toISOString(), fingerprint256: 'AB', code: 'REMOTE_UNAVAILABLE', error: name + ' ' + i });
      await journal.write(entry);
      appendFileSync(out, name + ' leave ' + i + '\\n');
      await release();
    }
  `,
  );
  const moduleUrl = pathToFileURL(await builtJournal()).href;
  const run = (name: string) =>
    new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [script, moduleUrl, dir, out, go, name, String(rounds)],
        { timeout: LONG_WAIT, killSignal: 'SIGKILL' },
        (err, _stdout, stderr) => (err ? reject(new Error(`${name}: ${err.message} ${stderr}`)) : resolve()),
      );
    });
  const both = Promise.all([run('A'), run('B')]);
  await writeFile(go, '');
  await both;

  const lines = (await readFile(out, 'utf8')).trim().split('\n');
  t.equal(lines.length, 4 * rounds);
  const overlaps = [];
  for (let i = 0; i < lines.length; i += 2) {
    const [who, what, n] = lines[i].split(' ');
    if (what !== 'enter' || lines[i + 1] !== `${who} leave ${n}`) overlaps.push(lines.slice(i, i + 2));
  }
  t.same(overlaps, [], 'every enter is followed by its own leave');
  const { journal } = { journal: await openJournal(dir, { now: () => new Date(), onWarning: () => undefined }) };
  t.equal((await journal.read('domain:example.com'))?.attempts.length, 2 * rounds, 'no update lost');
  t.same((await readdir(dir)).sort(), ['domain_example.com.json'], 'no lock or temp file left');
});

/** dist/journal/index.js, built when missing (npm test builds it first). */
async function builtJournal(): Promise<string> {
  const path = join(ROOT, 'dist', 'journal', 'index.js');
  if (!existsSync(path)) {
    try {
      execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')],
        { stdio: 'ignore' },
      );
    } catch {
      // tsc still emits when another module has a type error; the check below is what matters
    }
    if (!existsSync(path)) throw new Error(`${path} is missing and npm run build did not make it`);
  }
  return path;
}
