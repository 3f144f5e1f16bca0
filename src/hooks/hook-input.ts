/**
 * What every client adapter shares: reading a variable, refusing arguments, and turning the
 * paths a client handed over into the same `DeployArgs` the CLI builds. Nothing here does I/O.
 */
import { HookError } from '../errors.js';
import type { DeployArgs } from '../commands/deploy.js';

export type Env = Partial<Record<string, string>>;

/** An adapter's answer: what to deploy, or why this call needs nothing (dehydrated's other handlers). */
export type HookResult = DeployArgs | { skip: string };

/** Turns a client's environment and arguments into a deploy; throws HookError('CONFIG') otherwise. */
export type Adapter = (env: Env, argv: string[]) => HookResult;

export interface ClientFiles {
  cert: string;
  key: string;
  chain?: string;
  domain?: string;
}

/** The value of `name`, or undefined when unset or blank (a client that sets `X=` meant nothing). */
export function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** Hooks take no options: a client passes everything in its environment (or positionally). */
export function noArguments(hook: string, argv: string[], how: string): void {
  if (argv.length === 0) return;
  throw new HookError('CONFIG', `${hook} hook: takes no arguments (got ${argv.length}, not shown in case one is a secret); ${how}`);
}

/**
 * The deploy every hook asks for: never a dry run, never JSON, no option to allow name loss
 * (hooks take no options: BELUGA_ALLOW_NAME_LOSS is a setting like any other).
 */
export function toDeployArgs(files: ClientFiles): DeployArgs {
  return {
    cert: files.cert,
    key: files.key,
    ...(files.chain === undefined ? {} : { chain: files.chain }),
    ...(files.domain === undefined ? {} : { domain: files.domain }),
    dryRun: false,
    json: false,
    allowNameLoss: false,
    force: false,
  };
}
