/**
 * A test process that ends while a server or client it started still runs (killed by tap's
 * timeout, Ctrl-C, or kill -9) leaves nothing behind: test/helpers/process-group.ts kills each
 * group it started on exit, on SIGINT/SIGTERM, and through its watchdog on SIGKILL.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers/run-cli.js';
import { until } from './helpers/spawn-cli.js';

// The loader tap runs .ts tests with, so that the child can import the helper as the tests do.
const TS_LOADER = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
const HELPER = pathToFileURL(join(ROOT, 'test', 'helpers', 'process-group.js')).href;

/** A group of two sleeps (a shell and what it started in the background), as pebble or lego with its hook. */
const script = (end: string) => `
import { spawnInGroup } from ${JSON.stringify(HELPER)};
const child = spawnInGroup('sh', ['-c', 'sleep 300 & sleep 300; wait'], { stdio: 'ignore' });
process.stdout.write(child.pid + '\\n');
${end}
`;

const alive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

const ENDINGS: Array<[string, string, NodeJS.Signals | undefined]> = [
  ['killed with SIGKILL (no handler runs)', 'setInterval(() => {}, 1000);', 'SIGKILL'],
  ['killed with SIGTERM', 'setInterval(() => {}, 1000);', 'SIGTERM'],
  ['interrupted with SIGINT (Ctrl-C)', 'setInterval(() => {}, 1000);', 'SIGINT'],
  ['exiting without stopping it', 'setTimeout(() => process.exit(0), 200);', undefined],
];

for (const [how, end, signal] of ENDINGS) {
  t.test(`a test process ${how} leaves no process of its groups behind`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bch-pgroup-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'run.mts');
    await writeFile(file, script(end));
    const parent = spawn(process.execPath, [...TS_LOADER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    let ended = false;
    parent.once('exit', () => {
      ended = true;
    });
    t.teardown(() => {
      if (!ended) parent.kill('SIGKILL');
    });
    t.ok(await until(() => /^\d+\n/.test(out)), 'the test process started a group');
    const pgid = Number(out.trim());
    // Never signal group 0 (this very process group) when the child printed nothing useful.
    if (!(Number.isInteger(pgid) && pgid > 1)) return void t.fail(`no process group id: ${out}`);
    t.teardown(() => {
      if (alive(pgid)) process.kill(-pgid, 'SIGKILL');
    });
    t.ok(alive(pgid), 'the group runs');
    if (signal) parent.kill(signal);
    t.ok(await until(() => ended), 'the test process ended as the signal (or its exit) says');
    t.ok(await until(() => !alive(pgid)), `no process of group ${pgid} is left`);
  });
}
