/**
 * The few file-system questions a store scan asks: is this a regular file, a folder, what does
 * a folder hold. Symlinks are followed (certbot's live/ and cert-manager's ..data are links);
 * a dangling link or a loop is an answer, never a throw. The calls block: a store of thousands
 * of folders asks tens of thousands of these, and each promise-based call costs several times the
 * look itself (bench/scale.mjs), while the answers are small and local.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';

/** What notAFile says when nothing at all is there (not even a dangling link). */
export const MISSING = 'does not exist';

/** Why `path` is not a regular file (after following links), or undefined when it is one. */
export function notAFile(path: string): string | undefined {
  try {
    const info = statSync(path);
    if (info.isFile()) return undefined;
    return info.isDirectory() ? 'is a folder' : 'is not a regular file';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && isLink(path)) return 'is a dangling symlink';
    return describeFsError(err);
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** True for a folder or a link to one; false for anything else, missing or unreadable. */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The names in a folder, sorted (readdir's order differs between file systems), or why not. */
export function listFolder(path: string): { names: string[] } | { reason: string } {
  try {
    const names = readdirSync(path);
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
