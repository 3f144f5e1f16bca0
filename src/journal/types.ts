/**
 * The journal: what this tool deployed where, and what still has to go. One JSON file per target
 * in the state directory (BELUGA_HOOK_STATE_DIR). It never holds a key or a secret: only paths,
 * fingerprints, dates, ids and one-line errors (already redacted).
 */

/** The files a certificate was read from (absolute paths), as given to `deploy`. */
export interface SourceFiles {
  cert: string;
  key: string;
  chain?: string;
  domain?: string;
}

export interface CertificateRef {
  fingerprint256: string;
  /** ISO 8601; "newer" means a later notBefore (then a later notAfter). */
  notBefore: string;
  notAfter: string;
  names: string[];
}

export interface Attempt {
  at: string;
  fingerprint256: string;
  /** Error code from src/errors.ts, e.g. REMOTE_UNAVAILABLE. */
  code: string;
  /** The one-line error, redacted. */
  error: string;
}

/**
 * The edge check of the last deploy: pending until the edge serves that certificate for
 * every name; `beluga-cert verify`, `sync` and `status` finish a pending one. Absent in older files.
 */
export interface EdgeCheck {
  state: 'pending' | 'served';
  /** The uploaded certificate the edge should serve (the entry's deployed one). */
  fingerprint256: string;
  /** The names to ask the edge for (wildcards left out). */
  names: string[];
  uploadedAt: string;
  checkedAt?: string;
  /** The last result, one line ("live on the edge after 14 s"). */
  text?: string;
}

export interface JournalEntry {
  /**
   * The target key: `id:<BELUGA_CERT_ID>` when pinned, else `domain:<primary domain>`; or
   * `record:<Beluga id>` for what was last put on that record, whichever key's run put it there.
   */
  key: string;
  domain: string;
  /** The last deploy that succeeded. */
  deployed?: CertificateRef & { at: string; recordId: string; files: SourceFiles };
  /**
   * A certificate that waits for `beluga-cert retry`: it failed to deploy, or met another run's
   * lock, or a run is deploying it now (`inFlight`: since when; a killed run leaves it so).
   */
  pending?: CertificateRef & { since: string; files: SourceFiles; allowNameLoss: boolean; inFlight?: string };
  /** Failed attempts, oldest first, the last 50 kept. */
  attempts: Attempt[];
  /** Whether the CDN's edge serves the deployed certificate yet. */
  edge?: EdgeCheck;
}

export interface Journal {
  readonly dir: string;
  /** The entry for `key`; a corrupt file is reported (onWarning), moved aside, and read as absent. */
  read(key: string): Promise<JournalEntry | undefined>;
  /** Atomic: temp file in the same folder, fsync, rename; mode 0600. */
  write(entry: JournalEntry): Promise<void>;
  /**
   * Read, change and write one entry under its short entry lock (held for that alone), so writers
   * that do not hold the deploy lock (a run that met LOCKED) lose nothing; `change` returning
   * undefined writes nothing. Returns the entry as it is now.
   */
  update(
    key: string,
    change: (entry: JournalEntry | undefined) => JournalEntry | undefined,
  ): Promise<JournalEntry | undefined>;
  /** Every entry (corrupt files reported and set aside), sorted by key. */
  list(): Promise<JournalEntry[]>;
  /**
   * Take the lock for `key` (a file `<name>.lock` made with O_EXCL holding pid, host, time),
   * waiting up to `waitMs` for another run to finish; a lock left by a dead process on this host is
   * recovered. Throws HookError('LOCKED') when the wait runs out. Returns the release function.
   */
  lock(key: string, waitMs: number): Promise<() => Promise<void>>;
}
