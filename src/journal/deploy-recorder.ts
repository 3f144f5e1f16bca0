import type { CheckedCertificate } from '../certificate/types.js';
import { HookError } from '../errors.js';
import {
  failedAttemptsSince,
  isNewer,
  refOf,
  withAttempt,
  withDeployed,
  withoutPendingUpTo,
  withPending,
  type Deployed,
} from './entry-changes.js';
import type { EdgeCheck, Journal, JournalEntry, SourceFiles } from './types.js';
import { withoutPemBlocks } from './validate-entry.js';
import { pendingHint } from '../pending-hint.js';

/**
 * What one deploy writes to the journal (the store itself, files and locks, is ./index.ts): the
 * pipeline calls the recorder at each step. It locks the journal key (the domain, or BELUGA_CERT_ID)
 * and records its intent (the certificate pending, in flight) before any request, so a run killed
 * at any point leaves work for `beluga-cert retry`. Once the target resolved the Beluga record, it
 * locks that record too and compares with what this tool last put there, whichever key did: an
 * older certificate never replaces a newer one. Never a key or a secret.
 */
export interface DeployRecorder {
  /** Lock the journal key and decide; `skip` is set when there is nothing to do. */
  begin(cert: CheckedCertificate): Promise<{ skip?: string }>;
  /** After resolve: lock the record and decide by what is on it; throws OLDER_CERTIFICATE. */
  beginRecord(cert: CheckedCertificate, recordId: string): Promise<{ skip?: string }>;
  /** Record the deploy; says whether it cleared a certificate pending before this run. */
  succeeded(cert: CheckedCertificate, recordId: string): Promise<{ since: Date; failedAttempts: number } | undefined>;
  /**
   * Record the failure as pending (also when the lock was never had); returns the one line saying
   * what happens next, and whether it repeats the previous attempt (same certificate, same code).
   */
  failed(cert: CheckedCertificate, code: string, error: string): Promise<{ hint: string; repeated: boolean }>;
  /** The run ends with a certificate that can never go (older, unmapped in sync): take its intent back. */
  withdraw(cert: CheckedCertificate): Promise<void>;
  release(): Promise<void>;
  /** The fingerprint on the record before this run's `succeeded` (the certificate the edge may still serve). */
  replacedFingerprint?(): string | undefined;
  /** Record the edge check of the certificate `succeeded` recorded. */
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
  /**
   * `beluga-cert sync`: another certificate valid over exactly the same dates as the deployed one is
   * left unchanged, not uploaded. Two lineages of one name issued in the same second (acme.sh's RSA
   * and ECC folders) would otherwise replace each other on the record at every run.
   */
  keepSameDates?: boolean;
  lockWaitMs: number;
  now: () => Date;
  /** BELUGA_RETRY_INTERVAL, e.g. "5 minutes": how often `beluga-cert retry` runs, when the user says so. */
  retryInterval?: string;
  /** A dry run: read and decide exactly as a real run, but lock and write nothing. */
  readOnly?: boolean;
}

/** How long a run waits for another on the same target: a third of its budget, 30 s at most. */
export function lockWaitMs(budgetMs: number): number {
  return Math.min(30_000, Math.floor(budgetMs / 3));
}

const recordKey = (recordId: string) => `record:${recordId}`;

/** Why a failure could not be recorded as pending when the journal itself could not be opened. */
export const NOT_OPENED =
  'the journal could not be opened (the error says why), so beluga-cert retry will not know of ' +
  'this certificate; once that is fixed, run the deploy again';

/** `openJournal` runs at the first `begin`, inside the pipeline, so its errors are told to Slack too. */
export function createRecorder(openJournal: () => Promise<Journal>, opts: RecorderOptions): DeployRecorder {
  let journal: Journal | undefined;
  const held: Array<() => Promise<void>> = [];
  let key = '';
  /** The key's entry as this run found it, before its intent. */
  let found: JournalEntry | undefined;
  /** The `inFlight` time of the intent this run wrote, while it stands. */
  let intent: string | undefined;
  let onRecord: Deployed | undefined;

  const blank =
    (cert: CheckedCertificate) =>
    (e: JournalEntry | undefined): JournalEntry =>
      e ?? { key, domain: cert.domain, attempts: [] };
  const change = async (k: string, fn: (e: JournalEntry | undefined) => JournalEntry | undefined) => {
    if (opts.readOnly) return;
    // Only `begin` failing to open it leaves no journal: that failure is the run's error, told as such.
    if (!journal) throw new HookError('CONFIG', NOT_OPENED);
    await journal.update(k, fn);
  };
  const lockAndRead = async (k: string) => {
    if (!opts.readOnly) held.push(await journal!.lock(k, opts.lockWaitMs));
    return journal!.read(k);
  };
  /** The key's entry learns what its record holds; the intent and anything older stop waiting. */
  const settle = async (cert: CheckedCertificate, deployed: Deployed, onKey: boolean) => {
    intent = undefined;
    // Judged by the key's own entry with nothing waiting: nothing to write (sync skips thousands so).
    if (onKey && !found?.pending) return;
    await change(key, (e) => {
      const before = blank(cert)(e);
      const after = onKey
        ? withoutPendingUpTo(before, deployed)
        : withDeployed(withoutPendingUpTo(before, deployed), deployed);
      return JSON.stringify(after) === JSON.stringify(before) ? undefined : after;
    });
  };

  /** Skip what is there, drop (retry) or refuse what is older; undefined: go on. */
  async function judge(
    cert: CheckedCertificate,
    deployed: Deployed | undefined,
    onKey: boolean,
  ): Promise<{ skip: string } | undefined> {
    if (!deployed || opts.force) return undefined;
    if (deployed.fingerprint256 === cert.fingerprint256) {
      await settle(cert, deployed, onKey);
      return {
        skip: `already deployed to Beluga certificate id=${deployed.recordId} at ${deployed.at} (pass --force to upload again)`,
      };
    }
    const ref = refOf(cert);
    if (opts.keepSameDates && deployed.notBefore === ref.notBefore && deployed.notAfter === ref.notAfter) {
      await settle(cert, deployed, onKey);
      return {
        skip: `Beluga certificate id=${deployed.recordId} holds another certificate valid over the same dates (sha256 ${deployed.fingerprint256.slice(0, 23)}…, deployed ${deployed.at}): kept; beluga-cert deploy --force uploads this one instead`,
      };
    }
    if (!isNewer(deployed, ref)) return undefined;
    await settle(cert, deployed, onKey);
    if (opts.dropSuperseded) {
      return {
        skip: `superseded: Beluga certificate id=${deployed.recordId} already holds a newer certificate (deployed ${deployed.at}); dropped from pending`,
      };
    }
    throw new HookError(
      'OLDER_CERTIFICATE',
      `Beluga certificate id=${deployed.recordId} got a newer certificate for ${cert.domain} (valid from ${deployed.notBefore}, sha256 ${deployed.fingerprint256.slice(0, 23)}…) at ${deployed.at}; this one is valid from ${cert.notBefore.toISOString()}. Pass --force to upload the older one anyway`,
    );
  }

  return {
    async begin(cert) {
      key = opts.key(cert);
      journal = await openJournal();
      found = await lockAndRead(key);
      const judged = await judge(cert, found?.deployed, true);
      if (judged) return judged;
      // The intent goes down before the first request: a run killed from here on leaves it pending.
      const at = opts.now().toISOString();
      await change(key, (e) =>
        withPending(blank(cert)(e), refOf(cert), {
          at,
          files: opts.files,
          allowNameLoss: opts.allowNameLoss,
          inFlight: at,
        }),
      );
      intent = opts.readOnly ? undefined : at;
      return {};
    },

    async beginRecord(cert, recordId) {
      onRecord = (await lockAndRead(recordKey(recordId)))?.deployed;
      return (await judge(cert, onRecord, false)) ?? {};
    },

    async succeeded(cert, recordId) {
      const deployed: Deployed = { ...refOf(cert), at: opts.now().toISOString(), recordId, files: opts.files };
      const before = found?.pending;
      const recovered =
        before && !isNewer(before, deployed)
          ? { since: new Date(before.since), failedAttempts: failedAttemptsSince(found!) }
          : undefined;
      // The record first: killed between the two writes, the key's intent makes retry find it there.
      await change(recordKey(recordId), (e) => ({
        key: recordKey(recordId),
        domain: cert.domain,
        attempts: [],
        ...e,
        deployed,
      }));
      await change(key, (e) => ({ ...withDeployed(blank(cert)(e), deployed), domain: cert.domain, edge: undefined }));
      intent = undefined;
      return recovered;
    },

    replacedFingerprint: () => (onRecord ?? found?.deployed)?.fingerprint256,

    async recordEdge(edge) {
      await change(key, (e) => e && { ...e, edge });
    },

    async failed(cert, code, error) {
      if (!key) key = opts.key(cert);
      const at = opts.now().toISOString();
      let repeated = false;
      await change(key, (e) => {
        const entry = blank(cert)(e);
        // What waited before this run: with an intent written, the entry read at begin says it.
        const before = intent !== undefined ? found?.pending : entry.pending;
        const last = entry.attempts.at(-1);
        repeated =
          before?.fingerprint256 === cert.fingerprint256 &&
          last?.fingerprint256 === cert.fingerprint256 &&
          last.code === code;
        const pending = withPending(entry, refOf(cert), { at, files: opts.files, allowNameLoss: opts.allowNameLoss });
        // A server's error may quote a certificate: the journal refuses PEM blocks, so they are cut, never the entry.
        return withAttempt(
          { ...pending, domain: cert.domain },
          { at, fingerprint256: cert.fingerprint256, code, error: withoutPemBlocks(error) },
        );
      });
      intent = undefined;
      return { hint: pendingHint(code, opts.retryInterval), repeated };
    },

    async withdraw(cert) {
      const mine = intent;
      if (mine === undefined) return;
      intent = undefined;
      await change(key, (e) =>
        e?.pending?.inFlight === mine && e.pending.fingerprint256 === cert.fingerprint256
          ? { ...e, pending: found?.pending }
          : undefined,
      );
    },

    async release() {
      // The record's lock was taken last: let it go first.
      for (const done of held.splice(0).reverse()) await done();
    },
  };
}
