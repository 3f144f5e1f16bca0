/**
 * The per-run services every command is built from, made here and nowhere else: the output (each
 * line through the redaction filter), the settings (their secrets join the filter as soon as they
 * are read), the run's budget, the journal, the Beluga target and the notifiers. Each is made when
 * the command first asks for it: the Beluga client and the notifiers are imported only by commands
 * that use them, so `pending` or a hook's misconfigured call do not pay for loading them.
 */
import { policyFromSettings, type RetryPolicy } from '../beluga/retry-policy.js';
import { buildBelugaConfig, secretValues } from '../config/build-config.js';
import { readSettings, settingsOrFirstProblem, type Settings, type SettingsReading } from '../config/settings.js';
import { EXIT, isHookError } from '../errors.js';
import { openJournal, stateDirFor, type Journal } from '../journal/index.js';
import type { NotifyLevel } from '../notify/level.js';
import type { NotifierDeps } from '../notify/registry.js';
import type { Notifier } from '../notify/types.js';
import { createOutput, type Output } from '../redact.js';
import type { Target } from '../targets/types.js';
import { MESSAGE_GRACE_MS } from '../retry.js';
import type { RunContext } from './context.js';

export interface RunOptions {
  /** --json: stdout carries only the final JSON document; progress goes to stderr. */
  json?: boolean;
  /** stdout carries the command's data (metrics text): progress goes to stderr, a failure too. */
  dataOnStdout?: boolean;
  /** Settings that win over the loaded ones (retry: the record a certificate was recorded for). */
  overrides?: Settings;
}

interface RunBudget {
  /** BELUGA_RETRIES and BELUGA_RUN_BUDGET; the deadline counts from the run's start (ctx.now()). */
  policy: RetryPolicy;
  /** The budget's length. */
  ms: number;
  /**
   * Bad values of those settings, one string each (each falls back to its default). A command adds
   * its other settings' problems here: the target names them all in one CONFIG error when built.
   */
  problems: string[];
}

interface RunNotifiers {
  notifiers: Notifier[];
  level: NotifyLevel;
  /** Start the notifiers' share of the budget now (given `budgetFrom: 'send'`: when a message goes). */
  startBudget: () => Promise<void>;
}

export interface RunServices {
  readonly out: Output;
  /** The settings (the environment over the config file), read once; the first problem throws CONFIG. */
  settings(): Promise<Settings>;
  /** The same settings as far as they could be read, with every problem (for `doctor`), none thrown. */
  settingsReading(): Promise<SettingsReading>;
  /** The run's budget, counted from the first ask: retries, waits and lock waits stay inside it. */
  budget(): Promise<RunBudget>;
  /** BELUGA_HOOK_STATE_DIR, else this user's default (see stateDirFor). */
  stateDir(): Promise<string>;
  /** The journal, opened at each call; its warnings are `warning:` lines. */
  journal(opts?: { readOnly?: boolean }): Promise<Journal>;
  /**
   * The Beluga target as the pipeline wants it: built at its first call (a bad setting throws
   * there, inside the pipeline, so notifiers hear of it), then the same target. With
   * `perRequestBudget` (a sync may run far longer than one deploy), the budget bounds each
   * request's retries instead of the whole run.
   */
  target(opts?: { perRequestBudget?: boolean }): Promise<() => Target>;
  /**
   * The configured notifiers and NOTIFY_LEVEL (a bad notifier setting throws CONFIG). They retry on
   * the real clock, as the Beluga client does, within the run's budget counted from now, or from
   * `startBudget()` with `budgetFrom: 'send'`.
   */
  notifiers(opts?: { budgetFrom?: 'now' | 'send' }): Promise<RunNotifiers>;
  /** Report a failure on this run's output (and as the --json document) and give its exit code. */
  fail(err: unknown): number;
}

/** The services of one command run; nothing is read or built until it is asked for. */
export function runServices(ctx: RunContext, opts: RunOptions = {}): RunServices {
  const out = createOutput(opts.json || opts.dataOnStdout ? ctx.stderr : ctx.stdout, ctx.stderr);
  const reading = once(async () => {
    const read = await readSettings(ctx.env);
    const s = opts.overrides ? { ...read.settings, ...opts.overrides } : read.settings;
    // Before anything else is printed: no line, recorded error or message ever shows a secret.
    out.addSecrets(secretValues(s));
    return { ...read, settings: s };
  });
  const settings = once(
    async () => settingsOrFirstProblem(await reading(), ctx.env, { warn: (line) => out.info(line) }).settings,
  );
  const budget = once(async (): Promise<RunBudget> => {
    const s = await settings();
    const startedAt = ctx.now().getTime();
    const { policy, problems } = policyFromSettings(s, startedAt);
    return { policy, problems, ms: policy.deadline - startedAt };
  });
  const stateDir = async () => stateDirFor((await settings()).BELUGA_HOOK_STATE_DIR, { uid: ctx.uid, env: ctx.env });

  return {
    out,
    settings,
    settingsReading: reading,
    budget,
    stateDir,
    async journal({ readOnly } = {}) {
      const deps = { now: ctx.now, onWarning: (line: string) => out.info(`warning: ${line}`) };
      return openJournal(await stateDir(), deps, { readOnly });
    },
    async target({ perRequestBudget = false } = {}) {
      const s = await settings();
      const b = await budget();
      const [{ createBelugaTarget }, { createRetryingHttp }] = await Promise.all([
        import('../beluga/beluga-target.js'),
        import('../beluga/retrying-http.js'),
      ]);
      let built: Target | undefined;
      return () => {
        if (built) return built;
        const policy = perRequestBudget
          ? {
              ...b.policy,
              get deadline() {
                return Date.now() + b.ms;
              },
            }
          : b.policy;
        const http = createRetryingHttp(ctx.http, policy, { onRetry: (line) => out.info(`beluga: ${line}`) });
        built = createBelugaTarget(buildBelugaConfig(s, b.problems), { http, now: ctx.now });
        return built;
      };
    },
    async notifiers({ budgetFrom = 'now' } = {}) {
      const s = await settings();
      const { buildNotifiers } = await import('../notify/registry.js');
      const deps: NotifierDeps = { http: ctx.http, redact: out.redact };
      // Messages get a short grace past the run's deadline: a deploy whose Beluga calls used the
      // whole budget still tells its failure.
      const startBudget = async () => {
        deps.deadline = Date.now() + (await budget()).ms + MESSAGE_GRACE_MS;
      };
      if (budgetFrom === 'now') await startBudget();
      return { ...(await buildNotifiers(s, deps)), startBudget };
    },
    fail: (err) => reportError(err, out, opts.json ? ctx.stdout : undefined),
  };
}

/**
 * Print a failure as one line (a stack only for unknown errors) and give its exit code; --json's
 * document is redacted too.
 */
export function reportError(err: unknown, out: Output, json?: RunContext['stdout']): number {
  if (isHookError(err)) {
    out.error(`beluga-cert: ${err.code}: ${err.message}`);
    if (json) json.write(`${out.json({ ok: false, code: err.code, exitCode: err.exitCode, error: err.message })}\n`);
    return err.exitCode;
  }
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  out.error(`beluga-cert: INTERNAL: unexpected error, please report it: ${text.split('\n')[0]}`);
  for (const line of text.split('\n').slice(1)) out.error(line);
  if (json) {
    const doc = { ok: false, code: 'INTERNAL', exitCode: EXIT.INTERNAL, error: 'unexpected internal error' };
    json.write(`${out.json(doc)}\n`);
  }
  return EXIT.INTERNAL;
}

/** `make`'s promise, made at the first call and shared by every later one. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}
