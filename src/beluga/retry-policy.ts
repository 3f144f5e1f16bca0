/**
 * How hard to try Beluga: how many attempts, the backoff between them, and the run's deadline.
 * The numbers and the rules are the retry engine's (retry.ts); this reads BELUGA_RETRIES and
 * puts them together for the Beluga client.
 */
import { readNumber } from '../config/numbers.js';
import { BASE_DELAY_MS, MAX_DELAY_MS, runBudgetFromSettings, type Backoff } from '../retry.js';

export interface RetryPolicy extends Backoff {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Epoch ms at which the run budget ends: no attempt runs and no wait lasts past it. */
  deadline: number;
  /** The budget's length, only so that messages can say it. */
  budgetMs?: number;
}

export const DEFAULT_ATTEMPTS = 4;

/**
 * The policy from BELUGA_RETRIES (attempts in all, 1-10, default 4) and the run budget
 * (BELUGA_RUN_BUDGET, retry.ts). Problems are returned, one string each, so the config layer can
 * name them all in one message; a bad value falls back to its default.
 */
export function policyFromSettings(
  settings: Partial<Record<string, string>>,
  now: number,
): { policy: RetryPolicy; problems: string[] } {
  const problems: string[] = [];
  const attempts = readNumber('BELUGA_RETRIES', settings.BELUGA_RETRIES, DEFAULT_ATTEMPTS, problems);
  const { budgetMs, deadline } = runBudgetFromSettings(settings, now, problems);
  const policy = { maxAttempts: attempts, baseDelayMs: BASE_DELAY_MS, maxDelayMs: MAX_DELAY_MS, deadline, budgetMs };
  return { policy, problems };
}
