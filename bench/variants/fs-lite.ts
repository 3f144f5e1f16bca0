/**
 * Not shipped: bench/tricks.mjs bundles it in place of node:fs/promises to measure what it would
 * save. The few fs/promises functions the hook path uses, over node's callback fs API, which node
 * has loaded before any of our code runs (requiring node:fs/promises loads modules the hooks never
 * use). Measured within the noise of a hook's start-up, so src/ uses node:fs/promises.
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
  return encoding
    ? call<string>((done) => fs.readFile(path, encoding, done))
    : call<Buffer>((done) => fs.readFile(path, done));
}

/** The FileHandle methods the journal uses, on a file descriptor. */
export interface FileHandle {
  readonly fd: number;
  chmod(mode: number): Promise<void>;
  writeFile(text: string): Promise<void>;
  readFile(encoding: 'utf8'): Promise<string>;
  read(buffer: Buffer, offset: number, length: number, position: null): Promise<{ bytesRead: number }>;
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
    read: (buffer, offset, length, position) =>
      call<number>((done) => fs.read(fd, buffer, offset, length, position, done)).then((bytesRead) => ({ bytesRead })),
    stat: () => call<fs.Stats>((done) => fs.fstat(fd, done)),
    sync: () => call<void>((done) => fs.fsync(fd, done)),
    close: () => call<void>((done) => fs.close(fd, done)),
  };
}
