/**
 * What `sync` learned about a certificate's files, so the next run over thousands of unchanged
 * certificates need not parse and check each one again: one file in the state directory,
 * `sync-index.json`, read once per run and written once at its end, mapping each certificate file
 * to a SHA-256 of every byte the check read (certificate, key, chain, and the domain the store
 * gave) and what the full check found in those bytes (domain, journal key, fingerprint, validity).
 *
 * It is a cache of facts about bytes, never the record of what was deployed: the per-record
 * journal files stay that. A run trusts an index entry only when the files hash to the same value
 * now (so any change to any byte, whatever its size or mtime, goes through the full check), the
 * certificate is valid at this moment, and the key's journal entry says that same fingerprint is
 * deployed with nothing pending. A missing, stale or damaged index costs time, never correctness.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readRegularFile } from '../bounded-read.js';
import { writeFileAtomic } from './atomic-write.js';

export const SYNC_INDEX_FILE = 'sync-index.json';
const VERSION = 1;
/** Some 400 bytes an entry: room for far more certificates than one host serves. */
const MAX_INDEX_BYTES = 256 * 1024 * 1024;

export interface IndexedFiles {
  /** filesHash() of the bytes the full check read. */
  sha256: string;
  domain: string;
  /** The journal key the deploy used (`domain:<domain>`). */
  key: string;
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
}

/** Entries by certificate file path, as the store scan names it. */
export type SyncIndex = Map<string, IndexedFiles>;

/**
 * One hash over everything that decides the check's answer, each part length-prefixed so that
 * bytes moved from one file to the other still hash differently.
 */
export function filesHash(parts: { cert: Buffer; key: Buffer; chain?: Buffer; domain?: string }): string {
  const hash = createHash('sha256');
  const add = (label: string, data: Buffer | undefined) => {
    hash.update(`${label}:${data === undefined ? '-' : data.length}:`);
    if (data !== undefined) hash.update(data);
  };
  add('cert', parts.cert);
  add('key', parts.key);
  add('chain', parts.chain);
  add('domain', parts.domain === undefined ? undefined : Buffer.from(parts.domain, 'utf8'));
  return hash.digest('hex');
}

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isDate = (v: unknown): v is string => isText(v) && !Number.isNaN(Date.parse(v));

function validEntry(v: unknown): v is IndexedFiles {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    isText(e.sha256) &&
    /^[0-9a-f]{64}$/.test(e.sha256) &&
    isText(e.domain) &&
    isText(e.key) &&
    isText(e.fingerprint256) &&
    isDate(e.notBefore) &&
    isDate(e.notAfter)
  );
}

/**
 * The index, or an empty one when there is none, it cannot be read, or it is not this version's;
 * an entry of the wrong shape is left out. `onWarning` hears about a damaged file (the run goes
 * on: every certificate then gets the full check, and the index is written anew).
 */
export async function readSyncIndex(dir: string, onWarning: (line: string) => void): Promise<SyncIndex> {
  const index: SyncIndex = new Map();
  const path = join(dir, SYNC_INDEX_FILE);
  let text: string;
  try {
    const read = await readRegularFile(path, { maxBytes: MAX_INDEX_BYTES, noFollow: true });
    if (!('data' in read)) {
      const what = read.refused === 'too-large' ? 'too large' : 'not a regular file';
      onWarning(`sync index ${path} is ${what}; every certificate gets the full check`);
      return index;
    }
    text = read.data.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      onWarning(`cannot read sync index ${path} (${code ?? String(err)}); every certificate gets the full check`);
    return index;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    onWarning(
      `sync index ${path} is not valid JSON; every certificate gets the full check, and the index is written anew`,
    );
    return index;
  }
  const body = parsed as { version?: unknown; files?: unknown };
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    body.version !== VERSION ||
    typeof body.files !== 'object' ||
    body.files === null
  ) {
    return index;
  }
  for (const [file, entry] of Object.entries(body.files as Record<string, unknown>)) {
    if (validEntry(entry)) index.set(file, entry);
  }
  return index;
}

/** Written atomically (temp file, fsync, rename), mode 0600, like every journal file. */
export async function writeSyncIndex(dir: string, index: SyncIndex): Promise<void> {
  const files = Object.create(null) as Record<string, IndexedFiles>;
  for (const [file, e] of [...index].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    files[file] = {
      sha256: e.sha256,
      domain: e.domain,
      key: e.key,
      fingerprint256: e.fingerprint256,
      notBefore: e.notBefore,
      notAfter: e.notAfter,
    };
  }
  await writeFileAtomic(dir, SYNC_INDEX_FILE, `${JSON.stringify({ version: VERSION, files })}\n`);
}
