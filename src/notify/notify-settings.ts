/**
 * The settings every notifier past Slack shares: NOTIFY_TIMEOUT (seconds to wait for an answer,
 * default 10) and the attempts per message, plus the one way a notifier reports its own problems.
 */
import { readSecondsMs } from '../config/numbers.js';
import { HookError } from '../errors.js';
import type { Settings } from '../config/settings.js';

export const NOTIFY_TIMEOUT = 'NOTIFY_TIMEOUT';
export const DEFAULT_NOTIFY_TIMEOUT_S = 10;
/** Attempts per message: enough for one 429 and one 5xx, short enough for a hook. */
export const NOTIFY_ATTEMPTS = 3;

export function readNotifyTimeoutMs(s: Settings, problems: string[]): number {
  return readSecondsMs(NOTIFY_TIMEOUT, s[NOTIFY_TIMEOUT], DEFAULT_NOTIFY_TIMEOUT_S, problems);
}

/** One CONFIG error naming every problem of one notifier, or nothing. */
export function throwProblems(problems: string[]): void {
  if (problems.length > 0) throw new HookError('CONFIG', problems.join('; '));
}
