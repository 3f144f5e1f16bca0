/**
 * stdout and stderr as plain synchronous writes to file descriptors 1 and 2. Touching
 * `process.stdout`/`process.stderr` builds node's stream objects, which costs a hook a measurable
 * part of its start-up (bench/tricks.mjs); on Linux node writes them synchronously to files and
 * pipes anyway.
 */
import { writeSync } from 'node:fs';
import type { Writable } from '../redact.js';

/** A reader that takes nothing for this long: what is still waiting for it is dropped. */
const STALL_MS = 10_000;
/** How soon a write that would block (a non-blocking pipe whose reader lags) is tried again. */
const RETRY_MS = 5;

export interface FdWriterDeps {
  write?: (fd: number, data: Buffer) => number;
  /** Runs `retry` after `ms`, the event loop going on meanwhile; defaults to an ordinary timer. */
  later?: (retry: () => void, ms: number) => void;
  now?: () => number;
}

/**
 * A Writable for `fd`. A reader that went away (EPIPE: `beluga-cert status | head`) drops the rest
 * silently. A write that would block (EAGAIN) is not waited for: that chunk and every later one
 * queue, in order, and are tried again on a timer while the run goes on; a reader that takes
 * nothing for STALL_MS has the queue and all later output dropped. A pending retry keeps the
 * process alive, so what was queued is written before a normal exit.
 */
export function fdWriter(fd: number, deps: FdWriterDeps = {}): Writable {
  const write = deps.write ?? ((f: number, data: Buffer) => writeSync(f, data));
  const later = deps.later ?? ((retry: () => void, ms: number) => void setTimeout(retry, ms));
  const now = deps.now ?? Date.now;
  let closed = false;
  const queue: Buffer[] = [];
  let stalledSince: number | undefined;

  const drop = () => {
    closed = true; // nobody reads, or nobody will: the run goes on, the output is dropped
    queue.length = 0;
  };

  /** Writes the queue out as far as the fd takes it now; `retrying` when called from the timer. */
  function flush(retrying: boolean): void {
    while (queue.length > 0) {
      let n: number;
      try {
        n = write(fd, queue[0]!);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          stalledSince ??= now();
          if (now() - stalledSince < STALL_MS) later(() => flush(true), RETRY_MS);
          else drop();
          return;
        }
        // On the timer nobody could catch it: a failing fd there loses its output, like EPIPE.
        if (code === 'EPIPE' || retrying) return drop();
        queue.length = 0; // the caller sees this error; the next write starts afresh
        throw err;
      }
      if (n > 0) stalledSince = undefined;
      queue[0] = queue[0]!.subarray(n);
      if (queue[0].length === 0) queue.shift();
    }
  }

  return {
    /** False once the output is dropped; true when the chunk was written or queued. */
    write(chunk: string) {
      if (closed) return false;
      queue.push(Buffer.from(chunk, 'utf8'));
      if (queue.length === 1) flush(false); // otherwise a retry is already on its way
      return !closed;
    },
  };
}
