/**
 * fdWriter never waits for a lagging reader: a write that would block (EAGAIN) queues, in order,
 * and is tried again on a timer while the run goes on; only a reader that takes nothing for ten
 * seconds has the output dropped.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { fdWriter } from '../src/commands/fd-writer.js';
import { ROOT } from './helpers/run-cli.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

t.test('chunks written while a retry is pending queue behind it and go out in order', async (t) => {
  const out: string[] = [];
  const retries: Array<() => void> = [];
  let busy = true;
  const w = fdWriter(1, {
    write: (_fd, data) => {
      if (busy) throw errno('EAGAIN');
      out.push(data.toString());
      return data.length;
    },
    later: (retry) => retries.push(retry),
    now: () => 0,
  });
  t.equal(w.write('a'), true, 'queued, not dropped');
  t.equal(w.write('b'), true);
  t.equal(w.write('c'), true);
  t.equal(retries.length, 1, 'one retry on its way, not one per chunk');
  t.same(out, [], 'nothing written out of turn');
  busy = false;
  retries.shift()!();
  t.same(out, ['a', 'b', 'c']);
  t.equal(w.write('d'), true);
  t.same(out, ['a', 'b', 'c', 'd'], 'written at once again');
});

t.test('a reader that keeps taking a little is never cut off, however long it takes in all', async (t) => {
  let clock = 0;
  const later = (retry: () => void, ms: number) => {
    clock += ms;
    retry();
  };
  let turn = 0;
  const taken: string[] = [];
  // A byte every 1,000 tries (5 s of retries): slower than the cut-off would allow in one stall.
  const slow = fdWriter(1, {
    write: (_fd, data) => {
      if (++turn % 1_000) throw errno('EAGAIN');
      taken.push(data.subarray(0, 1).toString());
      return 1;
    },
    later,
    now: () => clock,
  });
  t.equal(slow.write('xyz'), true);
  t.equal(taken.join(''), 'xyz', 'all of it, a byte at a time');
  t.ok(clock > 10_000, 'over more than the cut-off in all');
});

t.test('an error on a retry drops the output instead of throwing where nobody catches it', async (t) => {
  const retries: Array<() => void> = [];
  let error = 'EAGAIN';
  const w = fdWriter(1, {
    write: () => {
      throw errno(error);
    },
    later: (retry) => retries.push(retry),
    now: () => 0,
  });
  t.equal(w.write('a'), true);
  error = 'EBADF';
  t.doesNotThrow(() => retries.shift()!());
  t.equal(w.write('b'), false, 'dropped from then on');
  t.equal(retries.length, 0);
});

t.test('an error thrown to the caller does not leave the chunk in the way of the next write', async (t) => {
  const out: string[] = [];
  let fail = true;
  const w = fdWriter(1, {
    write: (_fd, data) => {
      if (fail) throw errno('EIO');
      out.push(data.toString());
      return data.length;
    },
  });
  t.throws(() => w.write('lost'), { code: 'EIO' });
  fail = false;
  t.equal(w.write('next'), true);
  t.same(out, ['next']);
});

t.test('over a real non-blocking pipe whose reader waits, write returns at once and nothing is lost', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fd-writer-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const child = join(dir, 'child.mjs');
  // Touching process.stdout makes node open the pipe as a libuv stream, which sets O_NONBLOCK on it.
  await writeFile(
    child,
    `import { fdWriter } from ${JSON.stringify(`${ROOT}dist/commands/fd-writer.js`)};
process.stdout;
const lines = Array.from({ length: 100000 }, (_, i) => 'line ' + i + '\\n').join('');
const accepted = fdWriter(1).write(lines);
process.stderr.write('returned ' + accepted + '\\n');
`,
  );
  const proc = spawn(process.execPath, [child], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.pause();
  let stderr = '';
  let stdout = '';
  // stdout is read only once the child says its write returned: a write that waited for the
  // reader would never return, and the output would be dropped after the cut-off.
  proc.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.includes('\n')) {
      proc.stdout.on('data', (x) => {
        stdout += x;
      });
      proc.stdout.resume();
    }
  });
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  t.equal(code, 0, stderr);
  t.equal(stderr, 'returned true\n');
  const lines = stdout.split('\n');
  t.equal(lines.length, 100_001);
  t.ok(
    lines.slice(0, -1).every((line, i) => line === `line ${i}`),
    'every line, in order',
  );
});
