import type { CheckedCertificate } from './certificate/types.js';
import { HookError } from './errors.js';
import type { CertificateRef, EdgeCheck, Journal, JournalEntry, SourceFiles } from './journal/types.js';

/**
 * What one deploy writes to the journal: it holds the target's lock from `begin` to `release`,
 * skips a certificate already deployed there, refuses one older than what is deployed, and
 * records the outcome (deployed, or pending with the failed attempt). Never a key or a secret.
 */
export interface DeployRecorder {
  /** Lock the target and decide; `skip` is set when there is nothing to do. */
  begin(cert: CheckedCertificate): Promise<{ skip?: string }>;
  /** Record the deploy; says whether it cleared a pending one. */
  succeeded(cert: CheckedCertificate, recordId: string): Promise<{ since: Date; failedAttempts: number } | undefined>;
  /**
   * Record the failure as pending; returns the one line saying when it will be retried, and
   * whether it repeats the previous attempt (same certificate, same error code).
   */
  failed(cert: CheckedCertificate, code: string, error: string): Promise<{ hint: string; repeated: boolean }>;
  release(): Promise<void>;
  /** The fingerprint deployed before this run's `succeeded` (the certificate the edge may still serve). */
  replacedFingerprint?(): string | undefined;
  /** Record the edge check of the certificate `succeeded` recorded (issue 7). */
  recordEdge?(edge: EdgeCheck): Promise<void>;
}

export interface RecorderOptions {
  key: (cert: CheckedCertificate) => string;
  /** Absolute paths, as they will be read again by `beluga-cert retry`. */
  files: SourceFiles;
  force: boolean;
  allowNameLoss: boolean;
  /** `beluga-cert retry`: a pending certificate older than the deployed one is dropped, not refused. */
  dropSuperseded: boolean;
  lockWaitMs: number;
  now: () => Date;
  /** e.g. "within 5 minutes": how often `beluga-cert retry` runs (BELUGA_RETRY_INTERVAL). */
  retryInterval: string;
}

const MAX_ATTEMPTS_KEPT = 50;

/** How many attempts failed since the entry's certificate became pending (0 when none is). */
export function failedAttemptsSince(entry: JournalEntry): number {
  const since = entry.pending?.since;
  return since === undefined ? 0 : entry.attempts.filter((a) => a.at >= since).length;
}

/** How a failure message says when `beluga-cert retry` runs (BELUGA_RETRY_INTERVAL, or the shipped timer). */
export function retryIntervalText(interval: string | undefined): string {
  return interval ? `within ${interval}` : 'at its next run (every 5 minutes with the shipped beluga-cert-retry.timer)';
}

/** How long a run waits for another on the same target: a third of its budget, 30 s at most. */
export function lockWaitMs(budgetMs: number): number {
  return Math.min(30_000, Math.floor(budgetMs / 3));
}

export function refOf(cert: CheckedCertificate): CertificateRef {
  return {
    fingerprint256: cert.fingerprint256,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    names: cert.names,
  };
}

/** Whether `a` is a newer certificate than `b`: a later notBefore, then a later notAfter. */
export function isNewer(a: CertificateRef, b: CertificateRef): boolean {
  if (a.notBefore !== b.notBefore) return a.notBefore > b.notBefore;
  return a.notAfter > b.notAfter;
}

/** `openJournal` runs at the first `begin`, inside the pipeline, so its errors are told to Slack too. */
export function createRecorder(openJournal: () => Promise<Journal>, opts: RecorderOptions): DeployRecorder {
  let journal: Journal | undefined;
  let release: (() => Promise<void>) | undefined;
  let entry: JournalEntry | undefined;
  let replaced: string | undefined;

  const current = (cert: CheckedCertificate): JournalEntry =>
    entry ?? { key: opts.key(cert), domain: cert.domain, attempts: [] };

  return {
    async begin(cert) {
      const key = opts.key(cert);
      journal = await openJournal();
      release = await journal.lock(key, opts.lockWaitMs);
      entry = await journal.read(key);
      const deployed = entry?.deployed;
      if (!deployed || opts.force) return {};
      if (deployed.fingerprint256 === cert.fingerprint256) {
        if (entry?.pending) {
          // What was pending is superseded by what is already there: nothing waits any more.
          entry = { ...entry, pending: undefined };
          await journal.write(entry);
        }
        return { skip: `already deployed to Beluga certificate id=${deployed.recordId} at ${deployed.at} (pass --force to upload again)` };
      }
      if (isNewer(deployed, refOf(cert))) {
        if (opts.dropSuperseded) {
          entry = { ...entry!, pending: undefined };
          await journal.write(entry);
          return { skip: `superseded: Beluga certificate id=${deployed.recordId} already holds a newer certificate (deployed ${deployed.at}); dropped from pending` };
        }
        throw new HookError('OLDER_CERTIFICATE', `Beluga certificate id=${deployed.recordId} got a newer certificate for ${cert.domain} (valid from ${deployed.notBefore}, sha256 ${deployed.fingerprint256.slice(0, 23)}…) at ${deployed.at}; this one is valid from ${cert.notBefore.toISOString()}. Pass --force to upload the older one anyway`);
      }
      return {};
    },

    async succeeded(cert, recordId) {
      const before = current(cert);
      replaced = before.deployed?.fingerprint256;
      const recovered = before.pending
        ? { since: new Date(before.pending.since), failedAttempts: failedAttemptsSince(before) }
        : undefined;
      entry = {
        ...before,
        domain: cert.domain,
        deployed: { ...refOf(cert), at: opts.now().toISOString(), recordId, files: opts.files },
        pending: undefined,
        // A new certificate starts a new edge check; the old one's says nothing about it.
        edge: undefined,
      };
      await journal!.write(entry);
      return recovered;
    },

    replacedFingerprint: () => replaced,

    async recordEdge(edge) {
      if (!entry || !journal) return;
      entry = { ...entry, edge };
      await journal.write(entry);
    },

    async failed(cert, code, error) {
      const before = current(cert);
      const at = opts.now().toISOString();
      const samePending = before.pending?.fingerprint256 === cert.fingerprint256;
      const last = before.attempts.at(-1);
      const repeated = samePending && last?.fingerprint256 === cert.fingerprint256 && last.code === code;
      entry = {
        ...before,
        domain: cert.domain,
        pending: { ...refOf(cert), since: samePending ? before.pending!.since : at, files: opts.files, allowNameLoss: opts.allowNameLoss },
        attempts: [...before.attempts, { at, fingerprint256: cert.fingerprint256, code, error }].slice(-MAX_ATTEMPTS_KEPT),
      };
      await journal!.write(entry);
      return { hint: `the certificate is pending: beluga-cert retry deploys it ${opts.retryInterval}`, repeated };
    },

    async release() {
      const done = release;
      release = undefined;
      await done?.();
    },
  };
}
