/**
 * The one way to read a file whose path comes from outside (a setting, an ACME client, the state
 * directory): only a regular file, and never more than a cap. A FIFO or a device named by mistake
 * (BELUGA_PASSWORD_FILE=/dev/zero) would otherwise block forever or fill the memory.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat } from './fs-lite.js';

export type BoundedRead =
  | { data: Buffer; info: Stats }
  | { refused: 'not-regular'; info: Stats }
  | { refused: 'too-large'; info: Stats };

export interface BoundedReadOptions {
  maxBytes: number;
  /** Refuse a symbolic link (ELOOP) instead of following it: for files this tool writes itself. */
  noFollow?: boolean;
}

/**
 * Reads a regular file of at most `maxBytes`. Errors of stat and open (ENOENT, EACCES, ELOOP...)
 * are thrown as they come, for the caller to word. The type is checked before opening (opening a
 * FIFO waits for a writer), and again on the descriptor, opened non-blocking, in case the path was
 * swapped in between; a file that grows past the cap while being read is refused too.
 */
export async function readRegularFile(path: string, opts: BoundedReadOptions): Promise<BoundedRead> {
  if (!opts.noFollow) {
    const before = await stat(path);
    if (!before.isFile()) return { refused: 'not-regular', info: before };
  }
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0);
  const handle = await open(path, flags);
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { refused: 'not-regular', info };
    if (info.size > opts.maxBytes) return { refused: 'too-large', info };
    const data = await handle.readUpTo(opts.maxBytes + 1, info.size);
    if (data.length > opts.maxBytes) return { refused: 'too-large', info };
    return { data, info };
  } finally {
    await handle.close();
  }
}

/** "1 MiB", "64 KiB": a cap as a person reads it. */
export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
