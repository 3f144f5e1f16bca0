/**
 * The settings every notifier past Slack shares: NOTIFY_TIMEOUT (seconds to wait for an answer,
 * default 10) and the attempts per message, plus the one way a notifier reports its own problems.
 */
import { readRowMs } from '../config/parse-number.js';
import { rowNamed, type SettingsOf } from '../config/setting-row.js';
import { HookError } from '../errors.js';
import { NOTIFY_ROWS } from './shared-settings.js';

const TIMEOUT_ROW = rowNamed(NOTIFY_ROWS, 'NOTIFY_TIMEOUT');
export const DEFAULT_NOTIFY_TIMEOUT_S = Number(TIMEOUT_ROW.default);
/** Attempts per message: enough for one 429 and one 5xx, short enough for a hook. */
export const NOTIFY_ATTEMPTS = 3;

export function readNotifyTimeoutMs(s: SettingsOf<typeof NOTIFY_ROWS>, problems: string[]): number {
  return readRowMs(TIMEOUT_ROW, s.NOTIFY_TIMEOUT, problems);
}

/** One CONFIG error naming every problem of one notifier, or nothing. */
export function throwProblems(problems: string[]): void {
  if (problems.length > 0) throw new HookError('CONFIG', problems.join('; '));
}
