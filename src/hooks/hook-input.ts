/**
 * What every client adapter shares: reading a variable, refusing arguments, and turning the
 * paths a client handed over into the same `DeployArgs` the CLI builds. Nothing here does I/O.
 */
import { HookError } from '../errors.js';
import type { DeployArgs } from '../commands/deploy.js';

export type Env = Partial<Record<string, string>>;

/** An adapter's answer: what to deploy, or why this call needs nothing (dehydrated's other handlers). */
export type HookResult = DeployArgs | { skip: string };

/**
 * Turns a client's environment and arguments into a deploy; throws HookError('CONFIG') otherwise.
 * `help` is what `HOOK --help` prints: what the hook reads from its client.
 */
export type Adapter = ((env: Env, argv: string[]) => HookResult) & { help?: string };

/** `HOOK --help` or `HOOK -h` alone: a person asking what the hook reads, not a client calling it. */
export function isHelpCall(argv: string[]): boolean {
  return argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h');
}

/** Two columns, the second aligned: `[what the client sets, what it means]` rows of a help text. */
export function helpRows(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`);
}

/**
 * A hook's --help text: its usage and the variables or arguments it reads from its client, then
 * where every hook finds its settings (the same as `beluga-cert deploy`).
 */
export function hookHelp(lines: string[]): string {
  return [
    ...lines,
    '',
    "Settings (BELUGA_*, SLACK_* and the other notifiers') come from the environment and from the config file",
    'named by BELUGA_HOOK_CONFIG (default /etc/beluga-cert-hook/env; none: no file); the journal of',
    'deploys still to retry is in BELUGA_HOOK_STATE_DIR. See `beluga-cert --help` and `beluga-cert deploy --help`.',
    'Exit codes are those of `beluga-cert deploy`; --help alone exits 0.',
    '',
  ].join('\n');
}

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
  throw new HookError(
    'CONFIG',
    `${hook} hook: takes no arguments (got ${argv.length}, not shown in case one is a secret); ${how}`,
  );
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
