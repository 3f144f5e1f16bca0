import { spawn } from 'node:child_process';
import t from 'tap';
import { fdWriter } from '../src/commands/fd-writer.js';
import { CLI } from './helpers/run-cli.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

t.test('partial writes continue until the whole chunk is out, in order', async (t) => {
  const written: Buffer[] = [];
  const w = fdWriter(7, {
    write: (fd, data) => {
      t.equal(fd, 7);
      const n = Math.min(3, data.length);
      written.push(Buffer.from(data.subarray(0, n)));
      return n;
    },
  });
  t.equal(w.write('héllo wörld\n'), true);
  t.equal(Buffer.concat(written).toString(), 'héllo wörld\n');
  t.ok(written.length > 3, 'took several writes');
});

t.test('EAGAIN retries later without waiting, bounded; then the chunk is dropped, not thrown', async (t) => {
  let calls = 0;
  const pauses: number[] = [];
  // `later` runs the retry at once here, the clock moving on by the delay asked for.
  let clock = 0;
  const later = (retry: () => void, ms: number) => {
    pauses.push(ms);
    clock += ms;
    retry();
  };
  const busyTwice = fdWriter(1, {
    write: (_fd, data) => {
      if (calls++ < 2) throw errno('EAGAIN');
      return data.length;
    },
    later,
    now: () => clock,
  });
  t.equal(busyTwice.write('x'), true);
  t.equal(pauses.length, 2);
  let forever = 0;
  const stuck = fdWriter(1, {
    write: () => {
      forever++;
      throw errno('EAGAIN');
    },
    later,
    now: () => clock,
  });
  t.equal(stuck.write('y'), false);
  t.equal(forever, 2_001, 'gives up after the bounded number of tries');
  t.equal(stuck.write('z'), false);
  t.equal(forever, 2_001, 'and writes nothing more afterwards');
});

t.test('EPIPE (the reader went away) drops the rest silently; other errors are thrown', async (t) => {
  let calls = 0;
  const gone = fdWriter(1, {
    write: () => {
      calls++;
      throw errno('EPIPE');
    },
  });
  t.equal(gone.write('a'), false);
  t.equal(gone.write('b'), false);
  t.equal(calls, 1);
  const broken = fdWriter(1, {
    write: () => {
      throw errno('EBADF');
    },
  });
  t.throws(() => broken.write('c'), { code: 'EBADF' });
});

t.test('a reader that closes the pipe early does not crash the command', async (t) => {
  // `beluga-cert --help | head -1`: stdout closes after the first read.
  const child = spawn(process.execPath, [CLI, 'deploy', '--help'], {
    env: { PATH: process.env.PATH, BELUGA_HOOK_CONFIG: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.notMatch(stderr, /INTERNAL|Error:/, stderr);
  t.ok(code === 0 || code === null, `exit ${code}`);
});
