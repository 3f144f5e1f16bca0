/**
 * The journal in the state directory (BELUGA_HOOK_STATE_DIR, default: see stateDirFor):
 * one JSON file per target record, written atomically, readable by the owner only, never holding a
 * key, plus one lock file per record while a run deploys to it.
 */
import { hostname as osHostname } from 'node:os';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HookError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { MAX_ATTEMPTS, readEntryFile } from './entry-file.js';
import { entryFileName, entryLockFileName, isEntryFileName, lockFileName } from './file-names.js';
import { acquireLock, isProcessAlive } from './lock-file.js';
import { prepareStateDir } from './state-dir.js';
import type { Journal, JournalEntry } from './types.js';
import { entryProblem } from './validate-entry.js';

export type { Journal, JournalEntry } from './types.js';

export { DEFAULT_STATE_DIR, stateDirFor } from './state-dir.js';
/** The entry lock is held for one read and one write; waiting longer means something is wrong. */
const ENTRY_LOCK_WAIT_MS = 10_000;

export interface JournalDeps {
  now: () => Date;
  /** One line, without a "warning:" prefix (the caller adds its own). */
  onWarning: (line: string) => void;
  hostname?: string;
  isAlive?: (pid: number) => boolean;
}

/** `id:<certId>` when the record is pinned by BELUGA_CERT_ID, else `domain:<lowercased domain>`. */
export function journalKey(opts: { certId?: string; domain: string }): string {
  return opts.certId !== undefined && opts.certId !== '' ? `id:${opts.certId}` : `domain:${opts.domain.toLowerCase()}`;
}

/**
 * Creates the directory (0700) when missing; throws HookError CONFIG when it is unusable or writable
 * by others. `readOnly` (a dry run) checks the directory the same way but makes, locks and writes
 * nothing: a missing directory reads as an empty journal, and a write is a bug in the caller.
 */
export async function openJournal(dir: string, deps: JournalDeps, opts: { readOnly?: boolean } = {}): Promise<Journal> {
  const exists = await prepareStateDir(dir, deps.onWarning, !opts.readOnly);
  if (opts.readOnly) return readOnlyJournal(dir, exists, deps);
  const lockDeps = {
    now: deps.now,
    onWarning: deps.onWarning,
    hostname: deps.hostname ?? osHostname(),
    isAlive: deps.isAlive ?? isProcessAlive,
  };
  const read = (key: string) => readEntryFile(join(dir, entryFileName(key)), deps);
  return {
    dir,
    read,
    async write(entry) {
      await writeEntry(dir, entry);
    },
    async update(key, change) {
      const release = await acquireLock(join(dir, entryLockFileName(key)), key, ENTRY_LOCK_WAIT_MS, lockDeps);
      try {
        const before = await read(key);
        const after = change(before);
        if (after === undefined) return before;
        await writeEntry(dir, after);
        return after;
      } finally {
        await release();
      }
    },
    list: () => listEntries(dir, deps),
    lock: (key, waitMs) => acquireLock(join(dir, lockFileName(key)), key, waitMs, lockDeps),
  };
}

/** Every entry, sorted by key; corrupt files reported (and set aside unless told not to). */
async function listEntries(dir: string, deps: JournalDeps, opts?: { setAside: boolean }): Promise<JournalEntry[]> {
  const names = await readdir(dir).catch((err: unknown) => {
    throw new HookError(
      'CONFIG',
      `cannot list the state directory ${dir} (${(err as NodeJS.ErrnoException).code}); fix its permissions`,
      { cause: err },
    );
  });
  const entries: JournalEntry[] = [];
  for (const name of names.filter(isEntryFileName).sort()) {
    const entry = await readEntryFile(join(dir, name), deps, opts);
    if (entry !== undefined) entries.push(entry);
  }
  return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function readOnlyJournal(dir: string, exists: boolean, deps: JournalDeps): Journal {
  const refuse = (): never => {
    throw new TypeError('a read-only journal (dry run) was asked to write');
  };
  return {
    dir,
    read: async (key) => (exists ? readEntryFile(join(dir, entryFileName(key)), deps, { setAside: false }) : undefined),
    write: async () => refuse(),
    update: async () => refuse(),
    // Corrupt files are reported and left where they are: nothing is moved aside.
    list: async () => (exists ? listEntries(dir, deps, { setAside: false }) : []),
    lock: async () => refuse(),
  };
}

async function writeEntry(dir: string, entry: JournalEntry): Promise<void> {
  // Check what would be on disk (JSON drops undefined and functions), not the object passed in.
  const capped = Array.isArray(entry?.attempts) ? { ...entry, attempts: entry.attempts.slice(-MAX_ATTEMPTS) } : entry;
  const text = `${JSON.stringify(capped, null, 2)}\n`;
  const problem = entryProblem(JSON.parse(text));
  if (problem !== undefined) throw new TypeError(`refusing to write journal entry: ${problem}`);
  const name = entryFileName(entry.key);
  try {
    await writeFileAtomic(dir, name, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new HookError(
      'CONFIG',
      `cannot write journal file ${join(dir, name)} (${code}); fix the permissions of the state directory or free space`,
      { cause: err },
    );
  }
}
