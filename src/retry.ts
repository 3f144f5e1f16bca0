/**
 * The one retry engine: the Beluga client, every HTTP notifier, e-mail and the edge poll call it.
 * An attempt answers `sent`, `final`, or `retry` (optionally after the wait the server asked for);
 * the engine backs off with jitter between attempts and keeps the whole run inside its deadline.
 *
 * The run's deadline, one rule for every caller:
 * - an attempt starts only while time is left, and its timeout is cut to what is left, so no
 *   attempt outlasts the deadline;
 * - a retry is scheduled only when its wait plus MIN_ATTEMPT_MS still ends before the deadline;
 * - a server that asks for a wait that ends past the deadline ends the retries at once: coming
 *   back sooner would only be refused again.
 *
 * The run's budget (BELUGA_RUN_BUDGET) lives here too: it belongs to the run, not to one client.
 */
import { readNumber } from './config/numbers.js';

/** How the waits between attempts grow: the ceiling doubles from baseDelayMs up to maxDelayMs. */
export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * One schedule for every request that is retried (Beluga, the notifiers, e-mail). Full jitter
 * over 500 ms, 1 s, 2 s, 4 s, 8 s waits on average 250 ms, 500 ms, 1 s, 2 s, 4 s: the short
 * schedule the notifiers had, spread so that many hooks renewing at the same minute (cron) do not
 * all come back at once; 8 s at most, so four attempts fit well inside the default 90 s budget.
 */
export const BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 8000;
export const REQUEST_BACKOFF: Backoff = { baseDelayMs: BASE_DELAY_MS, maxDelayMs: MAX_DELAY_MS };

/**
 * The least time worth starting a retry with. One second: longer than a loopback or nearby
 * server takes to answer, short enough that a tight budget still gets its retries (a 2 s floor
 * would end a 2.5 s budget after two attempts where three fit).
 */
export const MIN_ATTEMPT_MS = 1000;

/**
 * The longest wait taken on a server's word (Retry-After, or a wait in a JSON body). Services ask
 * for about one message a second; a longer ask that still ends before the deadline is waited up
 * to this, then tried, so a hook keeps moving: ten seconds is more than the longest backoff and
 * leaves room for four attempts in the default budget.
 */
export const RETRY_AFTER_CAP_MS = 10_000;

export const DEFAULT_BUDGET_S = 90;

/**
 * How far past the run's deadline its messages may still go out. A failure message matters most
 * when Beluga used the whole budget; the default budget stays well under the ACME client's limit
 * (lego's 120 s) so that this fits. Two seconds: a first attempt, or a quick retry after it.
 */
export const MESSAGE_GRACE_MS = 2 * MIN_ATTEMPT_MS;

/** The time a run may spend; `deadline` is epoch ms on the Date.now() clock. */
export interface RunBudget {
  budgetMs: number;
  deadline: number;
}

/**
 * The run budget from BELUGA_RUN_BUDGET (seconds, 5-3600, default 90: well under lego's 120 s,
 * after which it kills the hook). A bad value is named in `problems` and the default stands in.
 */
export function runBudgetFromSettings(
  settings: Partial<Record<string, string>>,
  now: number,
  problems: string[] = [],
): RunBudget {
  const budgetS = readNumber('BELUGA_RUN_BUDGET', settings.BELUGA_RUN_BUDGET, DEFAULT_BUDGET_S, problems);
  const budgetMs = Math.round(budgetS * 1000);
  return { budgetMs, deadline: now + budgetMs };
}

/** What one attempt found: `value` is the caller's own (a response, an error, a detail). */
export type Answer<T> =
  | { kind: 'sent'; value: T }
  | { kind: 'final'; value: T }
  /** `afterMs`: the wait the server asked for, as it asked it (the engine caps it). */
  | { kind: 'retry'; value: T; afterMs?: number };

/**
 * How the retries ended: `sent` or `final` as the last attempt answered; `attempts` when every
 * attempt asked for another; `no-time` when the deadline leaves no room for the next one; `ran-out`
 * when a wait overran the deadline; `spent` when the deadline had passed before the first attempt.
 */
type Ending = 'sent' | 'final' | 'attempts' | 'no-time' | 'ran-out' | 'spent';

export type Retried<T> =
  { ending: 'spent'; attempts: 0 } | { ending: Exclude<Ending, 'spent'>; value: T; attempts: number };

export interface RetryOptions<T> {
  /** Attempts in all, the first one included (at least one). */
  maxAttempts: number;
  /** The longest one attempt may take; cut to what is left before the deadline. */
  timeoutMs: number;
  /** Epoch ms on the `now` clock; none: only maxAttempts bounds the run. */
  deadline?: number;
  backoff?: Backoff;
  /** Injected so tests can skip real waits; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** The jitter's source; tests inject a fixed one. */
  random?: () => number;
  /** Told before each wait: the attempt that comes next (2 = the first retry), the wait, the answer. */
  onRetry?: (next: number, waitMs: number, answer: Answer<T>) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` (given its number and timeout) until it is sent, final, or the rules above stop it. */
export async function retry<T>(
  attempt: (n: number, timeoutMs: number) => Promise<Answer<T>>,
  options: RetryOptions<T>,
): Promise<Retried<T>> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const backoff = options.backoff ?? REQUEST_BACKOFF;
  const { deadline } = options;
  const maxAttempts = Number.isFinite(options.maxAttempts) ? Math.max(1, Math.floor(options.maxAttempts)) : 1;
  let last: T | undefined;
  for (let n = 1; n <= maxAttempts; n += 1) {
    const left = deadline === undefined ? Infinity : deadline - now();
    if (left <= 0) {
      // Before the first attempt the budget was spent; later, a wait overran it (the machine
      // stalled): a retry is never scheduled without time for it.
      return n === 1 ? { ending: 'spent', attempts: 0 } : { ending: 'ran-out', value: last as T, attempts: n - 1 };
    }
    const answer = await attempt(n, Math.min(options.timeoutMs, left));
    last = answer.value;
    if (answer.kind !== 'retry') return { ending: answer.kind, value: answer.value, attempts: n };
    if (n === maxAttempts) break;
    const asked = answer.afterMs === undefined ? undefined : Math.max(0, answer.afterMs);
    const wait = asked === undefined ? backoffDelayMs(n, backoff, random) : Math.min(asked, RETRY_AFTER_CAP_MS);
    // Against the server's own ask, not the capped wait: it will not take us back before then.
    if (deadline !== undefined && now() + (asked ?? wait) + MIN_ATTEMPT_MS > deadline) {
      return { ending: 'no-time', value: answer.value, attempts: n };
    }
    options.onRetry?.(n + 1, wait, answer);
    await sleep(wait);
  }
  return { ending: 'attempts', value: last as T, attempts: maxAttempts };
}

/**
 * The wait after failed attempt number `attempt` (1 = the first): full jitter over
 * baseDelayMs * 2^(attempt-1) capped at maxDelayMs, but never under a quarter of baseDelayMs,
 * so that many hooks failing together spread out and none hammers the server at once.
 */
export function backoffDelayMs(attempt: number, backoff: Backoff, random: () => number): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const floor = Math.min(ceiling, backoff.baseDelayMs / 4);
  return Math.round(Math.max(floor, random() * ceiling));
}

/**
 * Retry-After as the server asked it, in ms from `now`: delta-seconds (fractions accepted: some
 * services send them) or an HTTP date (RFC 9110 10.2.3), not capped, because the engine must
 * know when the ask ends past the deadline; undefined when absent or unreadable, so the caller
 * falls back to the backoff.
 */
export function askedWaitMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Date.parse reads almost anything ("-1" is a date to it): insist on a month or weekday name.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Retry-After as the wait a retry takes on it: askedWaitMs capped at RETRY_AFTER_CAP_MS. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  const asked = askedWaitMs(value, now);
  return asked === undefined ? undefined : Math.min(RETRY_AFTER_CAP_MS, asked);
}

/** A wait a service gave in seconds inside its JSON body (Discord, Telegram), as asked, in ms. */
export function secondsToWaitMs(seconds: unknown): number | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return undefined;
  return Math.round(seconds * 1000);
}
