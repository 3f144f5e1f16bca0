/**
 * How hard to try Beluga: how many attempts, how long to wait between them (exponential backoff
 * with full jitter, or the server's Retry-After), and the run budget that keeps a hook inside its
 * ACME client's limit (lego gives a hook 120 s, then kills it).
 */
import { readNumber } from '../config/numbers.js';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** The first backoff ceiling; each retry doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Epoch ms at which the run budget ends: no attempt runs and no wait lasts past it. */
  deadline: number;
  /** The budget's length, only so that messages can say it. */
  budgetMs?: number;
}

export const DEFAULT_ATTEMPTS = 4;
export const DEFAULT_BUDGET_S = 90;
export const BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 8000;
/** The least time worth starting an attempt with: less than this and a retry only adds noise. */
export const MIN_ATTEMPT_MS = 1000;

/**
 * The policy from BELUGA_RETRIES (attempts in all, 1-10, default 4) and BELUGA_RUN_BUDGET
 * (seconds, 5-3600, default 90: well under lego's 120 s). Problems are returned, one string
 * each, so the config layer can name them all in one message; a bad value falls back to its default.
 */
export function policyFromSettings(
  settings: Partial<Record<string, string>>,
  now: number,
): { policy: RetryPolicy; problems: string[] } {
  const problems: string[] = [];
  const attempts = readNumber('BELUGA_RETRIES', settings.BELUGA_RETRIES, DEFAULT_ATTEMPTS, problems);
  const budgetS = readNumber('BELUGA_RUN_BUDGET', settings.BELUGA_RUN_BUDGET, DEFAULT_BUDGET_S, problems);
  const budgetMs = Math.round(budgetS * 1000);
  const policy = { maxAttempts: attempts, baseDelayMs: BASE_DELAY_MS, maxDelayMs: MAX_DELAY_MS, deadline: now + budgetMs, budgetMs };
  return { policy, problems };
}

/**
 * The wait after failed attempt number `attempt` (1 = the first): full jitter over
 * baseDelayMs * 2^(attempt-1) capped at maxDelayMs, but never under a quarter of baseDelayMs,
 * so that many hooks failing together spread out and none hammers the server at once.
 */
export function backoffDelayMs(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const floor = Math.min(ceiling, policy.baseDelayMs / 4);
  return Math.round(Math.max(floor, random() * ceiling));
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 10.2.3);
 * undefined when absent or unreadable, so the caller falls back to its own backoff.
 */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse reads almost anything ("1.5" is a date to it): insist on a month or weekday name.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
