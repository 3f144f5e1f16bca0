/**
 * What `sync` learned about a certificate's files, so the next run over thousands of unchanged
 * certificates need not parse and check each one again: one file in the state directory,
 * `sync-index.json`, read once per run and written once at its end, mapping each certificate file
 * to a SHA-256 of every byte the check read (certificate, key, chain, and the domain the store
 * gave) and what the full check found in those bytes (domain, names, journal key, fingerprint,
 * validity). `sync` and `status` decide "unchanged" with the one function here, knownFiles().
 *
 * It is a cache of facts about bytes, never the record of what was deployed: the per-record
 * journal files stay that. A run trusts an index entry only when the files hash to the same value
 * now (so any change to any byte, whatever its size or mtime, goes through the full check), the
 * certificate is valid at this moment, and the key's journal entry says that same fingerprint is
 * deployed with nothing pending. A missing, stale or damaged index costs time, never correctness.
 *
 * Size, mtime and inode are never consulted, not even as a shortcut: a file rewritten in place with
 * bytes of the same length and its old mtime put back (utimes, a restore, a clock step) looks
 * unchanged to them. Deciding needs every byte read anyway (the floor of any tool that wants to
 * know), and a SHA-256 of a few KiB costs a fraction of reading it.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { readRegularFile, readRegularFileSync } from '../bounded-read.js';
import { MAX_INPUT_BYTES } from '../certificate/read-file.js';
import { writeFileAtomic } from './atomic-write.js';

export const SYNC_INDEX_FILE = 'sync-index.json';
/** 2 added the names; an index of another version is ignored (and written anew by the next sync). */
const VERSION = 2;
/** Some 400 bytes an entry: room for far more certificates than one host serves. */
const MAX_INDEX_BYTES = 256 * 1024 * 1024;

export interface IndexedFiles {
  /** filesHash() of the bytes the full check read. */
  sha256: string;
  domain: string;
  /** The leaf's DNS names, as certificateNames() gives them. */
  names: string[];
  /** The journal key the deploy used (`domain:<domain>`). */
  key: string;
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
}

/** Entries by the certificate file's absolute path (indexKey). */
export type SyncIndex = Map<string, IndexedFiles>;

/** A certificate's files as a store names them (a LocalCertificate fits). */
export interface IndexedPaths {
  cert: string;
  key: string;
  chain?: string;
  domain?: string;
}

/** The index is keyed by the certificate file's absolute path, whatever folder the run started in. */
export const indexKey = (files: IndexedPaths): string => resolve(files.cert);

/**
 * What the index knows about these files, when they hold exactly the bytes that were checked: every
 * file read in full (a regular file, capped like any certificate input) and hashed with the domain
 * the store gives. Undefined when the index has no entry, when a file cannot be read, and when any
 * byte differs: the caller then reads and checks the files itself, and reports what is wrong.
 * The reads block: thousands of them in a row cost a fraction of what promise-based reads do, and
 * the caller waits on nothing else meanwhile.
 */
export function knownFiles(index: SyncIndex, files: IndexedPaths): IndexedFiles | undefined {
  const known = index.get(indexKey(files));
  if (known === undefined) return undefined;
  try {
    // Each file hashed as it is read, from one buffer: nothing of the bytes is kept.
    const read = (path: string) => {
      const r = readRegularFileSync(path, { maxBytes: MAX_INPUT_BYTES, scratch });
      if (!('data' in r)) throw new Error(`${path}: ${r.refused}`);
      return r.data;
    };
    const hash = filesHasher();
    hash.add('cert', read(files.cert));
    hash.add('key', read(files.key));
    hash.add('chain', files.chain === undefined ? undefined : read(files.chain));
    hash.add('domain', files.domain === undefined ? undefined : Buffer.from(files.domain, 'utf8'));
    return hash.digest() === known.sha256 ? known : undefined;
  } catch {
    return undefined;
  }
}

/** Far more than a certificate, key or chain takes; a larger one is read into a buffer of its own. */
const scratch = Buffer.alloc(64 * 1024);

/**
 * One hash over everything that decides the check's answer, each part length-prefixed so that
 * bytes moved from one file to the other still hash differently.
 */
export function filesHash(parts: { cert: Buffer; key: Buffer; chain?: Buffer; domain?: string }): string {
  const hash = filesHasher();
  hash.add('cert', parts.cert);
  hash.add('key', parts.key);
  hash.add('chain', parts.chain);
  hash.add('domain', parts.domain === undefined ? undefined : Buffer.from(parts.domain, 'utf8'));
  return hash.digest();
}

/** filesHash() a part at a time, in its order (cert, key, chain, domain), as the parts are read. */
function filesHasher() {
  const hash = createHash('sha256');
  return {
    add(label: 'cert' | 'key' | 'chain' | 'domain', data: Buffer | undefined) {
      hash.update(`${label}:${data === undefined ? '-' : data.length}:`);
      if (data !== undefined) hash.update(data);
    },
    digest: () => hash.digest('hex'),
  };
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
    Array.isArray(e.names) &&
    e.names.length > 0 &&
    e.names.every(isText) &&
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
      names: e.names,
      key: e.key,
      fingerprint256: e.fingerprint256,
      notBefore: e.notBefore,
      notAfter: e.notAfter,
    };
  }
  await writeFileAtomic(dir, SYNC_INDEX_FILE, `${JSON.stringify({ version: VERSION, files })}\n`);
}
