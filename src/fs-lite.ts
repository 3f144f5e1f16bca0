/**
 * The few fs/promises functions the hook path uses, over node's callback fs API, which node has
 * loaded before any of our code runs. Requiring node:fs/promises costs a hook ~2 ms (~5% of bare
 * node's start-up: it loads readline, watchers and directory modules we never use; issue 6).
 * Same names, arguments and errors as fs/promises, so a caller reads as if it used it.
 */
import * as fs from 'node:fs';

type Callback<T> = (err: NodeJS.ErrnoException | null, value: T) => void;

/** Resolve with the callback's value, reject with its error (the errno error, code and all). */
function call<T>(start: (done: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value))));
}

export const stat = (path: string) => call<fs.Stats>((done) => fs.stat(path, done));
export const lstat = (path: string) => call<fs.Stats>((done) => fs.lstat(path, done));
export const access = (path: string, mode: number) => call<void>((done) => fs.access(path, mode, done));
export const chmod = (path: string, mode: number) => call<void>((done) => fs.chmod(path, mode, done));
export const rename = (from: string, to: string) => call<void>((done) => fs.rename(from, to, done));
export const unlink = (path: string) => call<void>((done) => fs.unlink(path, done));
export const rm = (path: string, options: fs.RmOptions) => call<void>((done) => fs.rm(path, options, done));
export const readdir = (path: string) => call<string[]>((done) => fs.readdir(path, done));
export const mkdir = (path: string, options: fs.MakeDirectoryOptions & { recursive: true }) =>
  call<string | undefined>((done) => fs.mkdir(path, options, done));

export function readFile(path: string): Promise<Buffer>;
export function readFile(path: string, encoding: 'utf8'): Promise<string>;
export function readFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  return encoding ? call<string>((done) => fs.readFile(path, encoding, done)) : call<Buffer>((done) => fs.readFile(path, done));
}

/** The FileHandle methods the journal uses, on a file descriptor. */
export interface FileHandle {
  readonly fd: number;
  chmod(mode: number): Promise<void>;
  writeFile(text: string): Promise<void>;
  readFile(encoding: 'utf8'): Promise<string>;
  /**
   * At most `maxBytes` from the current position: stops at the end of the file or there.
   * `expectedBytes` (the size fstat gave) sizes the first buffer; a file that grew is still read on.
   */
  readUpTo(maxBytes: number, expectedBytes?: number): Promise<Buffer>;
  stat(): Promise<fs.Stats>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export async function open(path: string, flags: string | number, mode?: number): Promise<FileHandle> {
  const fd = await call<number>((done) => fs.open(path, flags, mode, done));
  return {
    fd,
    chmod: (m) => call<void>((done) => fs.fchmod(fd, m, done)),
    writeFile: (text) => call<void>((done) => fs.writeFile(fd, text, done)),
    readFile: (encoding) => call<string>((done) => fs.readFile(fd, encoding, done)),
    readUpTo: (maxBytes, expectedBytes) => readUpTo(fd, maxBytes, expectedBytes),
    stat: () => call<fs.Stats>((done) => fs.fstat(fd, done)),
    sync: () => call<void>((done) => fs.fsync(fd, done)),
    close: () => call<void>((done) => fs.close(fd, done)),
  };
}

/**
 * The first buffer when the size is not known; it doubles as the file turns out larger (a cap of
 * 1 MiB is no reason to take 1 MiB).
 */
const FIRST_READ_BYTES = 16 * 1024;

async function readUpTo(fd: number, maxBytes: number, expectedBytes?: number): Promise<Buffer> {
  // One byte more than expected: the read that finds the end needs no larger buffer.
  const first = expectedBytes === undefined ? FIRST_READ_BYTES : expectedBytes + 1;
  let buffer = Buffer.allocUnsafe(Math.max(1, Math.min(maxBytes, first)));
  let filled = 0;
  while (filled < maxBytes) {
    if (filled === buffer.length) {
      const larger = Buffer.allocUnsafe(Math.min(maxBytes, buffer.length * 2));
      buffer.copy(larger, 0, 0, filled);
      buffer = larger;
    }
    const n = await call<number>((done) => fs.read(fd, buffer, filled, buffer.length - filled, null, done));
    if (n === 0) break;
    filled += n;
  }
  // A few KiB kept for long (thousands of certificates in a sync) should not hold a larger buffer alive.
  return filled * 2 < buffer.length ? Buffer.from(buffer.subarray(0, filled)) : buffer.subarray(0, filled);
}
