/**
 * One lock per target record: a file `<name>.lock` made with O_EXCL holding {pid, host, at}, so two
 * runs for the same record never interleave while runs for different records go in parallel. A
 * lock left by a killed run on this host (its pid is gone, or it predates the last boot) is removed
 * and the wait goes on, and so is one older than any run can last, whichever host wrote it (each
 * Kubernetes CronJob pod has a new host name); a live lock is never taken over.
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, unlink } from 'node:fs/promises';
import { readRegularFile } from '../bounded-read.js';
import { NUMBER_SETTINGS } from '../config/numbers.js';
import { uptime } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { HookError } from '../errors.js';

export interface LockDeps {
  now: () => Date;
  onWarning: (line: string) => void;
  hostname: string;
  isAlive: (pid: number) => boolean;
}

interface Holder {
  pid: number;
  host: string;
  at: string;
}

/** What a lock file held when looked at, and which file it was (a new lock may reuse the name). */
interface Seen {
  text: string;
  ino: number;
  dev: number;
  mtimeMs: number;
  holder?: Holder;
}

const POLL_MS = 50; // each wait is 50-100 ms, jittered so contenders do not move in step
const MAX_RECOVERIES = 10;
/** A lock file is written right after it is made; one still empty after this was left by a killed run. */
const UNWRITTEN_GRACE_MS = 5_000;
/** The guard that serialises removing a stale lock is held for microseconds; an older one is left over. */
const GUARD_STALE_MS = 10_000;
/**
 * A run holds a lock while it deploys one certificate: a few Beluga requests, each within the run
 * budget (BELUGA_RUN_BUDGET, an hour at most), the edge check and the notifications. A lock four
 * times older than the longest budget, by its own time and its file's, was left by a run that is gone.
 */
export const STALE_LOCK_MS = 4 * NUMBER_SETTINGS.BELUGA_RUN_BUDGET!.max * 1000;
/** A lock file is one line of JSON; a bigger file is not a lock this tool wrote. */
const MAX_LOCK_BYTES = 4096;

export async function acquireLock(
  path: string,
  key: string,
  waitMs: number,
  deps: LockDeps,
): Promise<() => Promise<void>> {
  const deadline = performance.now() + waitMs;
  const rounds = Math.ceil(Math.max(waitMs, 0) / POLL_MS) + MAX_RECOVERIES + 2;
  let last: Seen | undefined;
  for (let round = 0; round < rounds; round++) {
    const mine = await tryCreate(path, deps);
    if (mine) return releaser(path, mine, deps);
    const seen = await snapshot(path);
    if (seen === undefined) continue; // released between our attempt and our look
    last = seen;
    const stale = staleBecause(seen, deps);
    if (stale !== undefined && (await removeStale(path, seen, stale, deps))) continue;
    const left = deadline - performance.now();
    if (left <= 0) break;
    await sleep(Math.min(left, POLL_MS + Math.random() * POLL_MS));
  }
  throw lockedError(key, path, last, deps.hostname);
}

/** Whether the process with this pid exists; EPERM means it does, as someone else's. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function tryCreate(path: string, deps: LockDeps): Promise<Seen | undefined> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw lockFileError(path, err);
  }
  // The token tells our lock from a later one with the same pid and time, for release.
  const holder = {
    pid: process.pid,
    host: deps.hostname,
    at: deps.now().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const text = JSON.stringify(holder);
  try {
    await handle.writeFile(text);
    const info = await handle.stat();
    return { text, ino: info.ino, dev: info.dev, mtimeMs: info.mtimeMs, holder };
  } catch (err) {
    await unlink(path).catch(() => undefined);
    throw lockFileError(path, err);
  } finally {
    await handle.close();
  }
}

function releaser(path: string, mine: Seen, deps: LockDeps): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const now = await snapshot(path);
    if (now !== undefined && sameFile(now, mine)) {
      await unlink(path);
      return;
    }
    deps.onWarning(`the lock ${path} was removed or replaced by someone else while this run held it`);
  };
}

async function snapshot(path: string): Promise<Seen | undefined> {
  let read;
  try {
    read = await readRegularFile(path, { maxBytes: MAX_LOCK_BYTES, noFollow: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw lockFileError(path, err);
  }
  const { ino, dev, mtimeMs, size } = read.info;
  // Not a lock this tool wrote: judged by its age like an unwritten one.
  const text = 'data' in read ? read.data.toString('utf8') : `\u0000${read.refused} ${size}`;
  return { text, ino, dev, mtimeMs, holder: parseHolder(text) };
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder> | null;
    const { pid, host, at } = value ?? {};
    // pid 0 or below would name a process group for kill(); never trust it.
    if (Number.isInteger(pid) && (pid as number) > 0 && typeof host === 'string' && typeof at === 'string') {
      return { pid: pid as number, host, at };
    }
  } catch {
    // an empty or half-written file: judged by its age below
  }
  return undefined;
}

/** Why the lock is stale (the end of the warning line), or undefined while it may be held. */
function staleBecause(seen: Seen, deps: LockDeps): string | undefined {
  const now = deps.now().getTime();
  const h = seen.holder;
  if (h === undefined)
    return now - seen.mtimeMs > UNWRITTEN_GRACE_MS ? 'left empty or unreadable by a run that was killed' : undefined;
  const taken = Date.parse(h.at);
  // The later of the two times: neither a fast clock on the holder's host nor on the file server makes it look older.
  const age = now - (Number.isNaN(taken) ? seen.mtimeMs : Math.max(taken, seen.mtimeMs));
  const by = `pid ${h.pid}${h.host === deps.hostname ? '' : ` on ${h.host}`} (since ${h.at})`;
  if (age > STALE_LOCK_MS) return `left by ${by}, older than any run lasts (${STALE_LOCK_MS / 3_600_000} h)`;
  if (h.host !== deps.hostname) return undefined; // another host's pids cannot be checked from here
  const gone = `left by ${by}, which is no longer running`;
  if (!deps.isAlive(h.pid)) return gone;
  // Taken before this machine booted: the pid now belongs to some other process.
  return taken < now - uptime() * 1000 - 60_000 ? gone : undefined;
}

/** Remove the stale lock if it is still the very file judged stale; true when the caller should retry at once. */
async function removeStale(path: string, seen: Seen, why: string, deps: LockDeps): Promise<boolean> {
  // One remover at a time: otherwise a slow one could delete the fresh lock a faster one just made.
  const guard = `${path}.break`;
  let handle;
  try {
    handle = await open(guard, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw lockFileError(guard, err);
    const info = await lstat(guard).catch(() => undefined);
    if (info && deps.now().getTime() - info.mtimeMs > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return false;
  }
  try {
    await handle.close();
    const current = await snapshot(path);
    if (current === undefined) return true;
    if (!sameFile(current, seen)) return false;
    await unlink(path);
    deps.onWarning(`removed the lock ${path} ${why}`);
    return true;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

const sameFile = (a: Seen, b: Seen) => a.ino === b.ino && a.dev === b.dev && a.text === b.text;

function lockedError(key: string, path: string, last: Seen | undefined, hostname: string): HookError {
  const h = last?.holder;
  const who =
    h === undefined
      ? `lock file ${path} not yet written`
      : `pid ${h.pid}${h.host === hostname ? '' : ` on ${h.host}`}, since ${h.at}`;
  const foreign =
    h !== undefined && h.host !== hostname
      ? `; if no run is active on ${h.host}, remove ${path} (a later run removes it once ${STALE_LOCK_MS / 3_600_000} h old)`
      : '';
  return new HookError(
    'LOCKED',
    `another run (${who}) is deploying to ${key}; nothing was uploaded; it goes once that run ends${foreign}`,
  );
}

function lockFileError(path: string, err: unknown): HookError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  return new HookError(
    'CONFIG',
    `cannot use the lock file ${path} (${code}); fix the permissions of the state directory`,
    { cause: err },
  );
}
