/**
 * The shared main of the hook executables: adapt the client's call, then run the same deploy as
 * `beluga-cert deploy`. The adapter runs first and the pipeline is imported only when there is
 * something to deploy, so dehydrated's many no-op calls and a misconfigured hook start fast.
 */
import type { RunContext } from '../commands/context.js';
import { EXIT, isHookError } from '../errors.js';
import { runAsMain } from '../commands/process-main.js';
import type { HttpClient } from '../http.js';
import { isHelpCall, type Adapter } from './hook-input.js';

/**
 * Run one hook call; returns the exit code (deployCommand's, or CONFIG for a bad call). `--help`
 * alone prints the adapter's help and exits 0: a person trying the hook by hand learns what it reads.
 */
export async function runHook(adapter: Adapter, argv: string[], ctx: RunContext): Promise<number> {
  if (adapter.help !== undefined && isHelpCall(argv)) {
    ctx.stdout.write(adapter.help);
    return EXIT.OK;
  }
  try {
    const adapted = adapter(ctx.env, argv);
    if ('skip' in adapted) return EXIT.OK; // silent: dehydrated calls every hook for every event
    const { deployCommand } = await import('../commands/deploy.js');
    return await deployCommand(adapted, ctx);
  } catch (err) {
    if (!isHookError(err)) throw err;
    // Only names and paths reach these messages, never a setting's value: no redaction needed.
    ctx.stderr.write(`beluga-cert: ${err.code}: ${err.message}\n`);
    return err.exitCode;
  }
}

/** The bottom of every hook: see runAsMain. */
export function runHookMain(adapter: Adapter, http?: HttpClient): void {
  runAsMain((argv, ctx) => runHook(adapter, argv, ctx), http);
}
