import { createBelugaTarget } from '../beluga/beluga-target.js';
import { readCertificate } from '../certificate/read-certificate.js';
import { buildBelugaConfig, buildSlackConfig, secretValues } from '../config/build-config.js';
import { loadSettings } from '../config/settings.js';
import { EXIT, isHookError } from '../errors.js';
import type { Notifier } from '../notify/types.js';
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
}

/** `beluga-cert deploy`: the whole pipeline; returns the exit code. */
export async function deployCommand(args: DeployArgs, ctx: RunContext): Promise<number> {
  // With --json, stdout carries only the final JSON document; progress goes to stderr.
  const out = createOutput(args.json ? ctx.stderr : ctx.stdout, ctx.stderr);
  try {
    const { settings } = await loadSettings(ctx.env);
    out.addSecrets(secretValues(settings));
    const slack = buildSlackConfig(settings);
    const notifiers: Notifier[] = [];
    if (slack) {
      const { createSlackNotifier } = await import('../notify/slack.js');
      notifiers.push(createSlackNotifier(slack, { http: ctx.http }));
    }
    const outcome = await runDeploy(
      { files: { certPath: args.cert, keyPath: args.key, chainPath: args.chain, domain: args.domain }, dryRun: args.dryRun, allowNameLoss: args.allowNameLoss },
      {
        target: () => createBelugaTarget(buildBelugaConfig(settings), { http: ctx.http, now: ctx.now }),
        notifiers, out, now: ctx.now, host: ctx.host, readCertificate,
      },
    );
    if (args.json) ctx.stdout.write(`${JSON.stringify(summarise(outcome, args.dryRun))}\n`);
    return EXIT.OK;
  } catch (err) {
    return reportError(err, out, args.json ? ctx.stdout : undefined);
  }
}

/** Print a failure as one line (a stack only for unknown errors) and give its exit code. */
export function reportError(err: unknown, out: Output, json?: RunContext['stdout']): number {
  if (isHookError(err)) {
    out.error(`beluga-cert: ${err.code}: ${err.message}`);
    if (json) json.write(`${JSON.stringify({ ok: false, code: err.code, exitCode: err.exitCode, error: err.message })}\n`);
    return err.exitCode;
  }
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  out.error(`beluga-cert: INTERNAL: unexpected error, please report it: ${text.split('\n')[0]}`);
  for (const line of text.split('\n').slice(1)) out.error(line);
  if (json) json.write(`${JSON.stringify({ ok: false, code: 'INTERNAL', exitCode: EXIT.INTERNAL, error: 'unexpected internal error' })}\n`);
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
    action: outcome.plan.action,
    belugaId: outcome.applied?.id ?? (outcome.plan.recordId === undefined ? null : String(outcome.plan.recordId)),
    site: outcome.plan.site ?? null,
    lostNames: outcome.plan.lostNames,
    notifications: outcome.notifications,
  };
}
