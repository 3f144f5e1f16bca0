import { readRegularFile } from '../bounded-read.js';
import { HookError } from '../errors.js';

/** Which input a path is, so that every message says "certificate file", "key file"... */
export type FileRole = 'certificate' | 'key' | 'chain';

/** Far above any real certificate bundle or key; a bigger file is surely the wrong one. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * Reads one input file (1 MiB at most), refusing with FILE_UNREADABLE (and saying which case) when it is
 * missing, unreadable, not a regular file, too large, or empty. Symlinks are followed, because
 * certbot's live/ folder is made of them.
 */
export async function readInputFile(path: string, role: FileRole): Promise<Buffer> {
  let data: Buffer;
  try {
    const read = await readRegularFile(path, { maxBytes: MAX_INPUT_BYTES });
    if ('data' in read) data = read.data;
    else if (read.info.isDirectory()) throw unreadable(path, role, 'it is a directory; pass the file itself');
    else if (read.refused === 'not-regular') throw unreadable(path, role, 'it is not a regular file');
    else
      throw unreadable(
        path,
        role,
        `it is ${Math.max(read.info.size, MAX_INPUT_BYTES + 1)} bytes, far too large for a ${role} file; check the path`,
      );
  } catch (err) {
    if (err instanceof HookError) throw err;
    throw new HookError('FILE_UNREADABLE', describeReadError(err, path, role), { cause: err });
  }
  if (data.toString('latin1').trim() === '') {
    throw unreadable(path, role, 'it is empty; pass the file the ACME client wrote (did the renewal fail?)');
  }
  return data;
}

/** The one-line message for a failed stat/read, by errno code. */
export function describeReadError(err: unknown, path: string, role: FileRole): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? 'it does not exist; check the path'
      : code === 'EACCES' || code === 'EPERM'
        ? "permission denied; run the hook as a user that may read it (e.g. the ACME client's user) or fix its mode"
        : code === 'EISDIR'
          ? 'it is a directory; pass the file itself'
          : code === 'ELOOP'
            ? 'it is a symlink loop; check the path'
            : `${code ?? 'unknown error'}; check the path and its permissions`;
  return `cannot read ${role} file ${path}: ${reason}`;
}

function unreadable(path: string, role: FileRole, reason: string): HookError {
  return new HookError('FILE_UNREADABLE', `cannot read ${role} file ${path}: ${reason}`);
}
