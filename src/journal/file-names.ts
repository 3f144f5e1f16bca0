/**
 * Where each journal key lives on disk. A key is `id:<certId>`, `domain:<domain>` or `record:<Beluga id>`
 * (what this tool last put on that record, whichever key put it there); the file name
 * keeps `[a-z0-9.-]` and writes every other byte as `_xx` (so `domain:*.example.com` becomes
 * `domain__2a.example.com.json`): two keys never share a file, and the name says which record it is.
 */
import { createHash } from 'node:crypto';

const KEY = /^(id|domain|record):(.+)$/s;
/** Leaves room for `.json.corrupt-<ISO time>` and `.lock.break` within the 255-byte name limit. */
const MAX_BASE_LENGTH = 180;

/** The file name without extension, e.g. `id_1234` or `domain_example.com`; throws on a key of the wrong form. */
export function baseName(key: string): string {
  const match = KEY.exec(key);
  if (!match) throw new Error(`journal key ${JSON.stringify(key)} is not id:<cert id>, domain:<domain> or record:<id>`);
  // Most keys need no escaping at all (`domain:example.com`): a sync names thousands of them.
  const encoded = /^[a-z0-9.-]*$/.test(match[2])
    ? match[2]
    : [...Buffer.from(match[2], 'utf8')]
        .map((byte) =>
          /[a-z0-9.-]/.test(String.fromCharCode(byte))
            ? String.fromCharCode(byte)
            : `_${byte.toString(16).padStart(2, '0')}`,
        )
        .join('');
  const base = `${match[1]}_${encoded}`;
  if (base.length <= MAX_BASE_LENGTH) return base;
  // `~` is never produced by the encoding, so a shortened name cannot equal an encoded one.
  return `${base.slice(0, MAX_BASE_LENGTH - 34)}~${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

export const entryFileName = (key: string) => `${baseName(key)}.json`;
export const lockFileName = (key: string) => `${baseName(key)}.lock`;
/** Held only for one read-change-write of the entry file, never across a request. */
export const entryLockFileName = (key: string) => `${baseName(key)}.entry.lock`;

/**
 * Deploy targets' entry files only (record_ files are read by id, never listed): temp files start
 * with a dot, locks end in .lock, set-aside files in .corrupt-<time>.
 */
export function isEntryFileName(name: string): boolean {
  return /^(id|domain)_[^/]*\.json$/.test(name);
}
