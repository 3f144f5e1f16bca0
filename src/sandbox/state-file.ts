/**
 * The sandbox's state on disk, `{"certificates": [...]}`. It holds private keys, so it is written
 * only as mode 0600, and atomically (temp file in the same directory, then rename) so a reader
 * never sees half a file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** The stored records, or undefined when the file does not exist. Throws on a broken file. */
export function loadState(path: string): unknown[] | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(`sandbox state file ${path} is not valid JSON`);
  }
  const certificates = (parsed as { certificates?: unknown } | null)?.certificates;
  if (!Array.isArray(certificates)) {
    throw new Error(`sandbox state file ${path} has no "certificates" array`);
  }
  return certificates;
}

/** Writes synchronously so that concurrent requests cannot reorder two snapshots. */
export function saveState(path: string, certificates: unknown[]): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const text = `${JSON.stringify({ certificates }, null, 2)}\n`;
  // 'wx' refuses to follow a planted file or link; mode 0600 applies from the first byte.
  const fd = openSync(temp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
