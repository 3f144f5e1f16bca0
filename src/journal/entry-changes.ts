/**
 * How a deploy changes a journal entry, as pure functions over the entry read under its lock. One
 * rule holds throughout: `pending` is the newest certificate still waiting for the target, and a
 * certificate is newer when its notBefore is later (then its notAfter).
 */
import type { CheckedCertificate } from '../certificate/types.js';
import { MAX_ATTEMPTS } from './entry-file.js';
import type { Attempt, CertificateRef, JournalEntry, SourceFiles } from './types.js';

export type Deployed = NonNullable<JournalEntry['deployed']>;
type Pending = NonNullable<JournalEntry['pending']>;

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

/** How many attempts failed since the entry's certificate became pending (0 when none is). */
export function failedAttemptsSince(entry: JournalEntry): number {
  const since = entry.pending?.since;
  return since === undefined ? 0 : entry.attempts.filter((a) => a.at >= since).length;
}

/** The entry with `cert` pending, unless a newer certificate already waits; the same one keeps its `since`. */
export function withPending(
  entry: JournalEntry,
  cert: CertificateRef,
  how: { at: string; files: SourceFiles; allowNameLoss: boolean; inFlight?: string },
): JournalEntry {
  const waiting = entry.pending;
  if (waiting && waiting.fingerprint256 !== cert.fingerprint256 && isNewer(waiting, cert)) return entry;
  const since = waiting?.fingerprint256 === cert.fingerprint256 ? waiting.since : how.at;
  const pending: Pending = {
    ...cert,
    since,
    files: how.files,
    allowNameLoss: how.allowNameLoss,
    ...(how.inFlight ? { inFlight: how.inFlight } : {}),
  };
  return { ...entry, pending };
}

export function withAttempt(entry: JournalEntry, attempt: Attempt): JournalEntry {
  return { ...entry, attempts: [...entry.attempts, attempt].slice(-MAX_ATTEMPTS) };
}

/** Nothing waits that `ref` (now on the record) makes pointless: a pending certificate not newer than it. */
export function withoutPendingUpTo(entry: JournalEntry, ref: CertificateRef): JournalEntry {
  const waiting = entry.pending;
  if (!waiting || (waiting.fingerprint256 !== ref.fingerprint256 && isNewer(waiting, ref))) return entry;
  return { ...entry, pending: undefined };
}

/** `deployed` is on the record now; a new certificate starts a new edge check. */
export function withDeployed(entry: JournalEntry, deployed: Deployed): JournalEntry {
  const edge = entry.deployed?.fingerprint256 === deployed.fingerprint256 ? entry.edge : undefined;
  return { ...withoutPendingUpTo(entry, deployed), deployed, edge };
}
