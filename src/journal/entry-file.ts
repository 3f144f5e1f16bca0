/**
 * Reading one journal file. A file that is not a valid entry (truncated by a crash, edited by
 * hand, in the wrong place) is never trusted and never lost: it is reported in one line, renamed
 * to `<file>.corrupt-<ISO time>` beside it, and read as absent.
 */
import { constants } from 'node:fs';
import { lstat, open, rename } from '../fs-lite.js';
import { basename } from 'node:path';
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

/** `setAside: false` (a dry run) reports a corrupt file and reads it as absent, moving nothing. */
export async function readEntryFile(path: string, deps: ReadDeps, opts: { setAside?: boolean } = {}): Promise<JournalEntry | undefined> {
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
  throw new HookError('CONFIG', `journal file ${path} keeps changing while being read; is another program writing to the state directory?`);
}

async function load(path: string): Promise<Loaded> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') {
      const info = await lstat(path).catch(() => undefined);
      return info && { problem: 'it is a symbolic link', ino: info.ino };
    }
    throw new HookError('CONFIG', `cannot read journal file ${path} (${code ?? String(err)}); fix the permissions of the state directory`, { cause: err });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { problem: 'it is not a regular file', ino: info.ino };
    const problem = check(await handle.readFile('utf8'), path);
    return typeof problem === 'string' ? { problem, ino: info.ino } : { entry: problem };
  } finally {
    await handle.close();
  }
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
    if (await lstat(aside).then(() => true, () => false)) continue;
    const current = await lstat(path).catch(() => undefined);
    if (current === undefined) return 'gone';
    if (current.ino !== ino) return 'replaced';
    await rename(path, aside);
    return aside;
  }
  throw new HookError('CONFIG', `journal file ${path} is corrupt and 100 set-aside copies of this instant already exist; clean up the state directory`);
}
