/**
 * Replace a file so that a reader, or the next run after a crash, sees either the old content or
 * the new, never a mix: temp file in the same directory (mode 0600 unless `mode` says otherwise),
 * fsync, rename, fsync the directory so the rename itself survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeFileAtomic(dir: string, name: string, text: string, mode = 0o600): Promise<void> {
  const temp = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx' refuses to follow a planted file or link.
  const file = await open(temp, 'wx', mode);
  try {
    try {
      await file.chmod(mode); // the umask could only have narrowed it, but say it exactly
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, join(dir, name));
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems cannot fsync a directory; the rename has still happened.
    if (!['EINVAL', 'EISDIR', 'ENOTSUP', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await handle.close();
  }
}
