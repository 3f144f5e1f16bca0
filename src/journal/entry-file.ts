/**
 * Reading one journal file. A file that is not a valid entry (truncated by a crash, edited by
 * hand, in the wrong place) is never trusted and never lost: it is reported in one line, renamed
 * to `<file>.corrupt-<ISO time>` beside it, and read as absent. So is a file too large to be one,
 * without reading it: a journal entry is a few KiB, its attempts capped at MAX_ATTEMPTS.
 */
import { lstat, rename } from 'node:fs/promises';
import { basename } from 'node:path';
import { readRegularFileSync, sizeText } from '../bounded-read.js';
import { HookError } from '../errors.js';
import { entryFileName } from './file-names.js';
import type { JournalEntry } from './types.js';
import { entryProblem } from './validate-entry.js';

export interface ReadDeps {
  now: () => Date;
  onWarning: (line: string) => void;
}

type Loaded = { entry: JournalEntry } | { problem: string; ino: number } | undefined;

const MAX_READS = 3; // a file replaced while being set aside is read again, a bounded number of times
/** Failed attempts kept per record, oldest dropped first (when written, and when read). */
export const MAX_ATTEMPTS = 50;
/** 50 attempts of one-line errors are some 25 KiB: a file 40 times that was not written by this tool. */
const MAX_ENTRY_BYTES = 1024 * 1024;
/** Entries are read into this one buffer (a larger one gets its own): thousands read in a row allocate nothing. */
const scratch = Buffer.alloc(64 * 1024);

/** `setAside: false` (a dry run) reports a corrupt file and reads it as absent, moving nothing. */
export async function readEntryFile(
  path: string,
  deps: ReadDeps,
  opts: { setAside?: boolean } = {},
): Promise<JournalEntry | undefined> {
  for (let round = 0; round < MAX_READS; round++) {
    const loaded = await load(path);
    if (loaded === undefined || 'entry' in loaded) return loaded?.entry;
    if (opts.setAside === false) {
      deps.onWarning(`journal file ${path} is corrupt (${loaded.problem}); read it as absent`);
      return undefined;
    }
    const aside = await setAside(path, loaded.ino, deps.now());
    if (aside === 'gone') return undefined;
    if (aside !== 'replaced') {
      deps.onWarning(`journal file ${path} is corrupt (${loaded.problem}); moved it to ${aside} and read it as absent`);
      return undefined;
    }
  }
  throw new HookError(
    'CONFIG',
    `journal file ${path} keeps changing while being read; is another program writing to the state directory?`,
  );
}

async function load(path: string): Promise<Loaded> {
  let read;
  try {
    // Blocking: an entry is a few KiB in the state directory, and a sync or status reads one per
    // certificate, thousands in a row, where each promise-based call costs several times the read.
    read = readRegularFileSync(path, { maxBytes: MAX_ENTRY_BYTES, noFollow: true, scratch });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') {
      const info = await lstat(path).catch(() => undefined);
      return info && { problem: 'it is a symbolic link', ino: info.ino };
    }
    throw new HookError(
      'CONFIG',
      `cannot read journal file ${path} (${code ?? String(err)}); fix the permissions of the state directory`,
      { cause: err },
    );
  }
  const { ino, size } = read.info;
  if (!('data' in read)) {
    return {
      problem:
        read.refused === 'not-regular'
          ? 'it is not a regular file'
          : `it is ${size} bytes, more than the ${sizeText(MAX_ENTRY_BYTES)} an entry may hold`,
      ino,
    };
  }
  // The text is a copy: the scratch bytes are good only until the next read.
  const problem = check(read.data.toString('utf8'), path);
  if (typeof problem === 'string') return { problem, ino };
  return { entry: { ...problem, attempts: problem.attempts.slice(-MAX_ATTEMPTS) } };
}

/** The entry, or what is wrong with the text. Parser messages are not repeated: they quote the file. */
function check(text: string, path: string): JournalEntry | string {
  if (text.length === 0) return 'it is empty';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `it is not valid JSON: truncated or damaged, ${Buffer.byteLength(text)} bytes`;
  }
  const problem = entryProblem(parsed);
  if (problem !== undefined) return problem;
  const entry = parsed as JournalEntry;
  const expected = entryFileName(entry.key);
  if (expected !== basename(path)) return `it holds the key ${JSON.stringify(entry.key)}, which belongs in ${expected}`;
  return entry;
}

/** The name it was moved to; 'replaced' when a new file took its place meanwhile, 'gone' when it vanished. */
async function setAside(path: string, ino: number, now: Date): Promise<string> {
  const stamp = now.toISOString();
  for (let n = 0; n < 100; n++) {
    const aside = `${path}.corrupt-${stamp}${n === 0 ? '' : `.${n}`}`;
    // rename would replace an earlier set-aside file of the same millisecond; those are kept too.
    if (
      await lstat(aside).then(
        () => true,
        () => false,
      )
    )
      continue;
    const current = await lstat(path).catch(() => undefined);
    if (current === undefined) return 'gone';
    if (current.ino !== ino) return 'replaced';
    await rename(path, aside);
    return aside;
  }
  throw new HookError(
    'CONFIG',
    `journal file ${path} is corrupt and 100 set-aside copies of this instant already exist; clean up the state directory`,
  );
}
