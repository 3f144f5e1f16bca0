/**
 * The one way to read a file whose path comes from outside (a setting, an ACME client, the state
 * directory): only a regular file, and never more than a cap. A FIFO or a device named by mistake
 * (BELUGA_PASSWORD_FILE=/dev/zero) would otherwise block forever or fill the memory.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

export type BoundedRead =
  { data: Buffer; info: Stats } | { refused: 'not-regular'; info: Stats } | { refused: 'too-large'; info: Stats };

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
  const handle = await open(path, openFlags(opts));
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { refused: 'not-regular', info };
    if (info.size > opts.maxBytes) return { refused: 'too-large', info };
    const data = await readUpTo(handle, opts.maxBytes + 1, info.size);
    if (data.length > opts.maxBytes) return { refused: 'too-large', info };
    return { data, info };
  } finally {
    await handle.close();
  }
}

/**
 * readRegularFile with the same checks, in blocking calls: for a command that reads thousands of
 * small local files one after another and waits on nothing else meanwhile (an unchanged sync or
 * status), where each promise-based call costs several times the read itself. With `scratch`, a
 * file that fits is read into it and the data returned is a view of it, good until the next read
 * into the same scratch: thousands of files hashed and dropped then allocate nothing.
 */
export function readRegularFileSync(path: string, opts: BoundedReadOptions & { scratch?: Buffer }): BoundedRead {
  if (!opts.noFollow) {
    const before = statSync(path);
    if (!before.isFile()) return { refused: 'not-regular', info: before };
  }
  const fd = openSync(path, openFlags(opts));
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { refused: 'not-regular', info };
    if (info.size > opts.maxBytes) return { refused: 'too-large', info };
    const data = readUpToSync(fd, opts.maxBytes + 1, info.size, opts.scratch);
    if (data.length > opts.maxBytes) return { refused: 'too-large', info };
    return { data, info };
  } finally {
    closeSync(fd);
  }
}

const openFlags = (opts: BoundedReadOptions) =>
  constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0);

/** readUpTo in blocking calls. */
function readUpToSync(fd: number, maxBytes: number, expectedBytes: number, scratch?: Buffer): Buffer {
  const first = Math.max(1, Math.min(maxBytes, expectedBytes + 1));
  let buffer: Buffer = scratch !== undefined && scratch.length >= first ? scratch : Buffer.allocUnsafe(first);
  let filled = 0;
  while (filled < maxBytes) {
    if (filled === buffer.length) buffer = grown(buffer, filled, maxBytes);
    const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer === scratch ? buffer.subarray(0, filled) : trimmed(buffer, filled);
}

const grown = (buffer: Buffer, filled: number, maxBytes: number): Buffer => {
  const larger = Buffer.allocUnsafe(Math.min(maxBytes, buffer.length * 2));
  buffer.copy(larger, 0, 0, filled);
  return larger;
};

/** A few KiB kept for long (thousands of certificates in a sync) should not hold a larger buffer alive. */
const trimmed = (buffer: Buffer, filled: number): Buffer =>
  filled * 2 < buffer.length ? Buffer.from(buffer.subarray(0, filled)) : buffer.subarray(0, filled);

/**
 * The first buffer when the size is not known; it doubles as the file turns out larger (a cap of
 * 1 MiB is no reason to take 1 MiB).
 */
const FIRST_READ_BYTES = 16 * 1024;

/**
 * At most `maxBytes` from the current position: stops at the end of the file or there. The buffer
 * starts at the size the file says it has (one byte more, to see the end), so thousands of small
 * files read in a sync do not each take the cap.
 */
async function readUpTo(handle: FileHandle, maxBytes: number, expectedBytes?: number): Promise<Buffer> {
  const first = expectedBytes === undefined ? FIRST_READ_BYTES : expectedBytes + 1;
  let buffer: Buffer = Buffer.allocUnsafe(Math.max(1, Math.min(maxBytes, first)));
  let filled = 0;
  while (filled < maxBytes) {
    if (filled === buffer.length) buffer = grown(buffer, filled, maxBytes);
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return trimmed(buffer, filled);
}

/** "1 MiB", "64 KiB": a cap as a person reads it. */
export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
