/**
 * stdout and stderr as plain synchronous writes to file descriptors 1 and 2. Touching
 * `process.stdout`/`process.stderr` builds node's stream objects, which costs a hook ~15% of bare
 * node's start-up (issue 6); on Linux node writes them synchronously to files and pipes anyway.
 */
import { writeSync } from 'node:fs';
import type { Writable } from '../redact.js';

/** How often a write that would block (a non-blocking pipe whose reader lags) is tried again. */
const BUSY_TRIES = 2_000;
const BUSY_WAIT_MS = 5;

export interface FdWriterDeps {
  write?: (fd: number, data: Buffer) => number;
  /** Waits synchronously (the write itself is synchronous); defaults to Atomics.wait. */
  pause?: (ms: number) => void;
}

const pauseSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * A Writable for `fd`. A reader that went away (EPIPE: `beluga-cert status | head`) drops the rest
 * silently; EAGAIN waits and retries, at most BUSY_TRIES × BUSY_WAIT_MS (10 s) per chunk.
 */
export function fdWriter(fd: number, deps: FdWriterDeps = {}): Writable {
  const write = deps.write ?? ((f: number, data: Buffer) => writeSync(f, data));
  const pause = deps.pause ?? pauseSync;
  let closed = false;
  return {
    write(chunk: string) {
      if (closed) return false;
      let data = Buffer.from(chunk, 'utf8');
      for (let busy = 0; data.length > 0;) {
        try {
          data = data.subarray(write(fd, data));
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN' && busy++ < BUSY_TRIES) {
            pause(BUSY_WAIT_MS);
            continue;
          }
          if (code === 'EPIPE' || code === 'EAGAIN') {
            closed = true; // nobody reads, or nobody will: the run goes on, the output is dropped
            return false;
          }
          throw err;
        }
      }
      return true;
    },
  };
}
