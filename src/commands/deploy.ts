import { resolve } from 'node:path';
import { readCertificate } from '../certificate/read-certificate.js';
import { trustSettings } from '../certificate/trust.js';
import type { Settings } from '../config/settings.js';
import { EXIT } from '../errors.js';
import { createRecorder, lockWaitMs, type DeployRecorder } from '../journal/deploy-recorder.js';
import { journalKey, type Journal } from '../journal/index.js';
import { runDeploy, type DeployOutcome } from '../pipeline.js';
import type { RunContext } from './context.js';
import { runServices } from './services.js';

export interface DeployArgs {
  cert: string;
  key: string;
  chain?: string;
  domain?: string;
  dryRun: boolean;
  json: boolean;
  allowNameLoss: boolean;
  /** --allow-older: upload even when the edge serves a newer certificate (another host's). */
  allowOlder?: boolean;
  /** Upload even when the journal says this certificate is already there, or a newer one is. */
  force: boolean;
  /** Set by `beluga-cert retry` for a pending certificate: the target it was recorded under. */
  retrying?: { certId?: string };
}

/** `beluga-cert deploy`: the whole pipeline; returns the exit code. */
export async function deployCommand(args: DeployArgs, ctx: RunContext): Promise<number> {
  // A retry goes to the record the certificate was recorded for, whatever BELUGA_CERT_ID says now.
  const overrides = args.retrying ? { BELUGA_CERT_ID: args.retrying.certId } : undefined;
  const run = runServices(ctx, { json: args.json, overrides });
  const { out } = run;
  try {
    const settings = await run.settings();
    // The run budget starts with the run: retries, waits and the lock wait never outlast it.
    const { policy, problems, ms } = await run.budget();
    const { notifiers, level: notifyLevel } = await run.notifiers();
    // The verify step's settings join `problems`, so a bad one is named with the rest (and told to
    // Slack); a dry run checks them as well, though it asks no edge.
    const edgeStep = await (
      await import('../verify/from-settings.js')
    ).edgeStepFromSettings(settings, problems, () => policy.deadline - ctx.now().getTime());
    const verifyEdge = args.dryRun ? undefined : edgeStep;
    const trust = trustSettings(settings, problems);
    const edgeGuard = args.allowOlder
      ? undefined
      : await (await import('../verify/from-settings.js')).edgeGuardFromSettings(settings);
    const target = await run.target();
    const outcome = await runDeploy(
      {
        files: { certPath: args.cert, keyPath: args.key, chainPath: args.chain, domain: args.domain },
        dryRun: args.dryRun,
        allowNameLoss: args.allowNameLoss,
        notifyRepeatedFailures: !args.retrying,
      },
      {
        target,
        notifiers,
        notifyLevel,
        out,
        now: ctx.now,
        host: ctx.host,
        readCertificate,
        trust,
        edgeGuard,
        recorder: journalRecorder(args, settings, ctx, () => run.journal({ readOnly: args.dryRun }), lockWaitMs(ms)),
        verifyEdge,
      },
    );
    if (args.json) ctx.stdout.write(`${out.json(summarise(outcome, args.dryRun))}\n`);
    return EXIT.OK;
  } catch (err) {
    return run.fail(err);
  }
}

/**
 * The journal for this deploy, in the state directory (see RunServices.stateDir), read only in a
 * dry run (its prediction needs what the real run would find). Reads BELUGA_CERT_ID (the journal
 * key when pinned) and BELUGA_RETRY_INTERVAL (how often `beluga-cert retry` runs, if set).
 */
function journalRecorder(
  args: DeployArgs,
  settings: Settings,
  ctx: RunContext,
  open: () => Promise<Journal>,
  lockWaitMs: number,
): DeployRecorder {
  return createRecorder(open, {
    key: (cert) => journalKey({ certId: settings.BELUGA_CERT_ID, domain: cert.domain }),
    files: {
      cert: resolve(args.cert),
      key: resolve(args.key),
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
  });
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
