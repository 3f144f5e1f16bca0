import { resolve } from 'node:path';
import { createBelugaTarget } from '../beluga/beluga-target.js';
import { createRetryingHttp, policyFromSettings } from '../beluga/retrying-http.js';
import { readCertificate } from '../certificate/read-certificate.js';
import { buildBelugaConfig, secretValues } from '../config/build-config.js';
import { loadSettings } from '../config/settings.js';
import { createRecorder, lockWaitMs, type DeployRecorder } from '../deploy-journal.js';
import { EXIT, isHookError } from '../errors.js';
import { DEFAULT_STATE_DIR, journalKey, openJournal } from '../journal/index.js';
import { buildNotifiers } from '../notify/registry.js';
import { runDeploy, type DeployOutcome } from '../pipeline.js';
import { createOutput, type Output } from '../redact.js';
import type { RunContext } from './context.js';

export interface DeployArgs {
  cert: string;
  key: string;
  chain?: string;
  domain?: string;
  dryRun: boolean;
  json: boolean;
  allowNameLoss: boolean;
  /** Upload even when the journal says this certificate is already there, or a newer one is. */
  force: boolean;
  /** Set by `beluga-cert retry` for a pending certificate: the target it was recorded under. */
  retrying?: { certId?: string };
}

/** `beluga-cert deploy`: the whole pipeline; returns the exit code. */
export async function deployCommand(args: DeployArgs, ctx: RunContext): Promise<number> {
  // With --json, stdout carries only the final JSON document; progress goes to stderr.
  const out = createOutput(args.json ? ctx.stderr : ctx.stdout, ctx.stderr);
  try {
    const loaded = await loadSettings(ctx.env, { warn: (line) => out.info(line) });
    // A retry goes to the record the certificate was recorded for, whatever BELUGA_CERT_ID says now.
    const settings = args.retrying ? { ...loaded.settings, BELUGA_CERT_ID: args.retrying.certId } : loaded.settings;
    out.addSecrets(secretValues(settings));
    // The run budget starts with the run: retries, waits and the lock wait never outlast it.
    const startedAt = ctx.now().getTime();
    const { policy, problems } = policyFromSettings(settings, startedAt);
    // Notifiers retry on the real clock (as the Beluga client does), within the same budget.
    const { notifiers, level: notifyLevel } = await buildNotifiers(settings, { http: ctx.http, deadline: Date.now() + (policy.deadline - startedAt), redact: out.redact });
    // The verify step's settings join `problems`, so a bad one is named with the rest (and told to
    // Slack); a dry run checks them as well, though it asks no edge.
    const edgeStep = await (await import('../verify/from-settings.js')).edgeStepFromSettings(settings, problems, () => policy.deadline - ctx.now().getTime());
    const verifyEdge = args.dryRun ? undefined : edgeStep;
    const outcome = await runDeploy(
      { files: { certPath: args.cert, keyPath: args.key, chainPath: args.chain, domain: args.domain }, dryRun: args.dryRun, allowNameLoss: args.allowNameLoss, notifyRepeatedFailures: !args.retrying },
      {
        target: () => {
          const http = createRetryingHttp(ctx.http, policy, { onRetry: (line) => out.info(`beluga: ${line}`) });
          return createBelugaTarget(buildBelugaConfig(settings, problems), { http, now: ctx.now });
        },
        notifiers, notifyLevel, out, now: ctx.now, host: ctx.host, readCertificate,
        recorder: journalRecorder(args, settings, ctx, out, lockWaitMs(policy.deadline - startedAt)),
        verifyEdge,
      },
    );
    if (args.json) ctx.stdout.write(`${out.json(summarise(outcome, args.dryRun))}\n`);
    return EXIT.OK;
  } catch (err) {
    return reportError(err, out, args.json ? ctx.stdout : undefined);
  }
}

/**
 * The journal for this deploy, in BELUGA_HOOK_STATE_DIR (default /var/lib/beluga-cert-hook), read
 * only in a dry run (its prediction needs what the real run would find). Reads BELUGA_CERT_ID (the
 * journal key when pinned) and BELUGA_RETRY_INTERVAL (how often `beluga-cert retry` runs, if set).
 */
function journalRecorder(args: DeployArgs, settings: Partial<Record<string, string>>, ctx: RunContext, out: Output, lockWaitMs: number): DeployRecorder {
  return createRecorder(
    () => openJournal(settings.BELUGA_HOOK_STATE_DIR || DEFAULT_STATE_DIR, { now: ctx.now, onWarning: (line) => out.info(`warning: ${line}`) }, { readOnly: args.dryRun }),
    {
      key: (cert) => journalKey({ certId: settings.BELUGA_CERT_ID, domain: cert.domain }),
      files: {
        cert: resolve(args.cert), key: resolve(args.key),
        ...(args.chain ? { chain: resolve(args.chain) } : {}),
        ...(args.domain ? { domain: args.domain } : {}),
      },
      force: args.force,
      allowNameLoss: args.allowNameLoss,
      dropSuperseded: Boolean(args.retrying),
      lockWaitMs,
      now: ctx.now,
      retryInterval: settings.BELUGA_RETRY_INTERVAL || undefined,
      readOnly: args.dryRun,
    },
  );
}

/** Print a failure as one line (a stack only for unknown errors) and give its exit code; --json's document is redacted too. */
export function reportError(err: unknown, out: Output, json?: RunContext['stdout']): number {
  if (isHookError(err)) {
    out.error(`beluga-cert: ${err.code}: ${err.message}`);
    if (json) json.write(`${out.json({ ok: false, code: err.code, exitCode: err.exitCode, error: err.message })}\n`);
    return err.exitCode;
  }
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  out.error(`beluga-cert: INTERNAL: unexpected error, please report it: ${text.split('\n')[0]}`);
  for (const line of text.split('\n').slice(1)) out.error(line);
  if (json) json.write(`${out.json({ ok: false, code: 'INTERNAL', exitCode: EXIT.INTERNAL, error: 'unexpected internal error' })}\n`);
  return EXIT.INTERNAL;
}

function summarise(outcome: DeployOutcome, dryRun: boolean): object {
  const c = outcome.certificate;
  return {
    ok: true,
    dryRun,
    domain: c.domain,
    names: c.names,
    notAfter: c.notAfter.toISOString(),
    serial: c.serial,
    fingerprint256: c.fingerprint256,
    chainCount: c.chainCount,
    action: outcome.plan?.action ?? 'unchanged',
    unchanged: outcome.unchanged ?? null,
    belugaId: outcome.applied?.id ?? (outcome.plan?.recordId === undefined ? null : String(outcome.plan.recordId)),
    site: outcome.plan?.site ?? null,
    lostNames: outcome.plan?.lostNames ?? [],
    notifications: outcome.notifications,
    edge: outcome.edge ?? null,
  };
}
