import { checkTrust, type TrustSettings } from './certificate/trust.js';
import type { CheckedCertificate, CertificateFiles } from './certificate/types.js';
import type { DeployRecorder } from './journal/deploy-recorder.js';
import { isHookError } from './errors.js';
import { DEFAULT_NOTIFY_LEVEL, levelAllows, type NotifyKind, type NotifyLevel } from './notify/level.js';
import { resultLine, sendToAll } from './notify/send-all.js';
import type { EdgeSummary, FailureEvent, Notifier, NotifyResult } from './notify/types.js';
import type { Output } from './redact.js';
import type { Applied, Plan, Target } from './targets/types.js';
import type { EdgeGuard } from './verify/edge-guard.js';
import type { EdgeStep } from './verify/edge-step.js';

/**
 * The deploy pipeline: read → check → resolve → upload → verify → notify. Steps that send anything are
 * skipped in a dry run; a failure at any step is told to every notifier, then rethrown.
 */
export interface DeployOptions {
  files: CertificateFiles;
  dryRun: boolean;
  allowNameLoss: boolean;
  /** Tell notifiers a failure that repeats the previous attempt's (false for `retry`, run every few minutes). */
  notifyRepeatedFailures: boolean;
  /** Error codes that are not worth a pending entry here (sync: an unmapped certificate is normal). */
  notPending?: string[];
}

export interface DeployContext {
  /** Built lazily so that a configuration error is still told to the notifiers. */
  target: () => Target;
  notifiers: Notifier[];
  /** Which events are told (NOTIFY_LEVEL); default: deploys and errors. */
  notifyLevel?: NotifyLevel;
  out: Output;
  now: () => Date;
  host: string;
  readCertificate: (files: CertificateFiles, now: Date) => Promise<CheckedCertificate>;
  /** The journal and locks (read-only in a dry run, which writes nothing). */
  recorder?: DeployRecorder;
  /** The trust step's settings: would browsers trust the certificate? Checked before anything is sent. */
  trust?: TrustSettings;
  /** Before the upload: refuses when the edge serves a newer certificate (absent: not asked). */
  edgeGuard?: EdgeGuard;
  /** The verify step: asks the CDN's edge after the upload; absent when BELUGA_VERIFY is off. */
  verifyEdge?: EdgeStep;
}

export interface DeployOutcome {
  certificate: CheckedCertificate;
  /** Absent when the certificate was already deployed (see `unchanged`). */
  plan?: Plan;
  /** Why nothing was done: the journal says this certificate is already there. */
  unchanged?: string;
  applied?: Applied;
  notifications: NotifyResult[];
  /** What the edge served after the upload, when the verify step ran. */
  edge?: EdgeSummary;
}

export async function runDeploy(options: DeployOptions, ctx: DeployContext): Promise<DeployOutcome> {
  const { out, recorder } = ctx;
  let domain = options.files.domain;
  let cert: CheckedCertificate | undefined;
  let begun = false;
  try {
    const target = ctx.target();
    cert = await ctx.readCertificate(options.files, ctx.now());
    domain = cert.domain;
    // What will be sent joins the redaction filter: even a bug, or a server quoting it back, cannot print any run of it.
    out.addSent([cert.keyPem, cert.certificatePem, cert.chainPem]);
    out.info(
      `read: ${cert.domain}: ${cert.names.join(', ')}; ${cert.keyDescription}; expires ${cert.notAfter.toISOString()}; sha256 ${cert.fingerprint256}`,
    );
    out.info(`check: key matches, valid now, chain of ${cert.chainCount} intermediate(s) links to the certificate`);
    if (cert.chainCount === 0)
      out.info(
        'warning: no intermediate certificates found; browsers may not trust the CDN without them (pass --chain)',
      );
    if (ctx.trust) for (const line of (await checkTrust(cert, ctx.trust, ctx.now())).lines) out.info(line);
    if (recorder) {
      begun = true; // from here the recorder may hold locks and an intent: settle both whatever happens
      const decided = await recorder.begin(cert);
      if (decided.skip) return await unchanged(ctx, cert, decided.skip, options.dryRun);
    }

    await ctx.edgeGuard?.(cert, out);
    const plan = await target.plan(cert, { allowNameLoss: options.allowNameLoss });
    out.info(`resolve: ${describePlan(plan)} (${plan.how})`);
    if (plan.lostNames.length > 0)
      out.info(`warning: --allow-name-loss: ${plan.lostNames.join(', ')} will no longer be covered`);
    if (recorder && plan.action === 'update') {
      // Ordering is per record: another journal key (another first name, BELUGA_CERT_ID, sync) may share it.
      const onRecord = await recorder.beginRecord(cert, String(plan.recordId));
      if (onRecord.skip) return await unchanged(ctx, cert, onRecord.skip, options.dryRun);
    }

    if (options.dryRun) {
      out.info(
        `dry run: would ${plan.action === 'update' ? 'PUT' : 'POST'} the certificate (${cert.names.length} names), ${plan.sendChain && cert.chainPem ? `chain of ${cert.chainCount}` : 'no chain'}, and the private key (not shown); nothing sent`,
      );
      return { certificate: cert, plan, notifications: [] };
    }
    const applied = await target.apply(cert, plan);
    out.info(`upload: ${applied.action === 'update' ? 'updated' : 'created'} Beluga certificate id=${applied.id}`);

    // The server's id goes into the journal: through the filter like any text from outside.
    const recovered = await recorder?.succeeded(cert, out.redact(applied.id));
    if (recovered)
      out.info(
        `recovered: pending since ${recovered.since.toISOString()}, ${recovered.failedAttempts} failed attempt(s) before`,
      );
    // Verification never fails an upload that succeeded: even a bug in it is a warning line.
    const edge = await ctx.verifyEdge?.(cert, recorder, out).catch((err: unknown) => {
      out.info(`warning: verify: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    const event = {
      domain: cert.domain,
      names: cert.names,
      belugaId: applied.id,
      action: applied.action === 'update' ? ('updated' as const) : ('created' as const),
      notAfter: cert.notAfter,
      fingerprint256: cert.fingerprint256,
      host: ctx.host,
      at: ctx.now(),
      recovered,
      ...(edge ? { edge } : {}),
    };
    const notifications = await notifyAt(ctx, recovered ? 'recovered' : 'success', (n) => n.success(event));
    return { certificate: cert, plan, applied, notifications, ...(edge ? { edge } : {}) };
  } catch (err) {
    if (!options.dryRun) {
      const known = isHookError(err) ? err : undefined;
      const code = known?.code ?? 'INTERNAL';
      const error = out.redact(known?.message ?? 'unexpected internal error');
      // Pending once the journal is in play, and not for a certificate that can never go.
      const pendingWorthy = code !== 'OLDER_CERTIFICATE' && !options.notPending?.includes(code);
      const recorded =
        recorder && begun && cert
          ? await settleFailure(recorder, cert, pendingWorthy ? { code, error } : undefined, out)
          : undefined;
      const event: FailureEvent = { domain, host: ctx.host, at: ctx.now(), code, error, pending: recorded?.hint };
      if (recorded?.repeated && !options.notifyRepeatedFailures) {
        out.info('notify: not sent, the same failure as the previous attempt');
      } else {
        await notifyAt(ctx, 'failure', (n) => n.failure(event));
      }
    }
    throw err;
  } finally {
    if (begun) await recorder?.release();
  }
}

/** A journal that cannot be written must not hide the deploy's own error: warn and go on. */
async function settleFailure(
  recorder: DeployRecorder,
  cert: CheckedCertificate,
  failure: { code: string; error: string } | undefined,
  out: Output,
): Promise<{ hint: string; repeated: boolean } | undefined> {
  try {
    if (!failure) {
      await recorder.withdraw(cert);
      return undefined;
    }
    const recorded = await recorder.failed(cert, failure.code, failure.error);
    out.info(`pending: ${recorded.hint}`);
    return recorded;
  } catch (err) {
    out.info(
      `warning: could not record the pending certificate in the journal: ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
}

/** The journal says this certificate is there already: no upload, a "skipped" notification (none in a dry run). */
async function unchanged(
  ctx: DeployContext,
  cert: CheckedCertificate,
  reason: string,
  dryRun: boolean,
): Promise<DeployOutcome> {
  ctx.out.info(`unchanged: ${reason}`);
  if (dryRun) return { certificate: cert, unchanged: reason, notifications: [] };
  const skipped = {
    domain: cert.domain,
    names: cert.names,
    fingerprint256: cert.fingerprint256,
    notAfter: cert.notAfter,
    reason,
    host: ctx.host,
    at: ctx.now(),
  };
  const notifications = await notifyAt(ctx, 'skipped', (n) => n.skipped(skipped));
  return { certificate: cert, unchanged: reason, notifications };
}

function describePlan(plan: Plan): string {
  if (plan.action === 'create') return `create a new Beluga certificate for site ${plan.site}`;
  return `update Beluga certificate id=${plan.recordId} (${plan.recordNames?.join(', ')})`;
}

/** Only the events NOTIFY_LEVEL asks for are told; a recovery counts as news at every level but none. */
async function notifyAt(
  ctx: DeployContext,
  kind: NotifyKind,
  send: (n: Notifier) => Promise<NotifyResult>,
): Promise<NotifyResult[]> {
  const level = ctx.notifyLevel ?? DEFAULT_NOTIFY_LEVEL;
  return levelAllows(level, kind) ? notifyAll(ctx, send) : [];
}

/** Notifiers never fail a deploy: a failed message is a warning line. */
async function notifyAll(ctx: DeployContext, send: (n: Notifier) => Promise<NotifyResult>): Promise<NotifyResult[]> {
  const results = await sendToAll(ctx.notifiers, send);
  for (const r of results) ctx.out.info(resultLine(r));
  return results;
}
