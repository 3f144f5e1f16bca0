/**
 * The few file-system questions a store scan asks: is this a regular file, a folder, what does
 * a folder hold. Symlinks are followed (certbot's live/ and cert-manager's ..data are links);
 * a dangling link or a loop is an answer, never a throw.
 */
import { lstat, readdir, stat } from 'node:fs/promises';

/** Folders and files looked at once while scanning a store: each look waits on the disk, not the CPU. */
export const SCAN_CONCURRENCY = 16;

/** What notAFile says when nothing at all is there (not even a dangling link). */
export const MISSING = 'does not exist';

/** Why `path` is not a regular file (after following links), or undefined when it is one. */
export async function notAFile(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (info.isFile()) return undefined;
    return info.isDirectory() ? 'is a folder' : 'is not a regular file';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && (await isLink(path))) return 'is a dangling symlink';
    return describeFsError(err);
  }
}

async function isLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** True for a folder or a link to one; false for anything else, missing or unreadable. */
export async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The names in a folder, sorted (readdir's order differs between file systems), or why not. */
export async function listFolder(path: string): Promise<{ names: string[] } | { reason: string }> {
  try {
    const names = await readdir(path);
    return { names: names.sort(byCodeUnits) };
  } catch (err) {
    return { reason: describeFsError(err) };
  }
}

/** A locale-independent order, so two machines list the same store the same way. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const REASONS: Partial<Record<string, string>> = {
  ENOENT: MISSING,
  ENOTDIR: 'does not exist (a part of the path is not a folder)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'is a symlink loop',
  ENAMETOOLONG: 'has too long a name',
};

/** A few words for a failed fs call: the errno's meaning, else its code. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return err instanceof Error ? err.message : String(err);
  return REASONS[code] ?? `cannot be read (${code})`;
}
