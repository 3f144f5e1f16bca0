/**
 * The settings every notifier shares: NOTIFY_TIMEOUT (seconds to wait for an answer, default 10)
 * and the attempts per message, plus the one way a notifier reads its settings and reports its
 * own problems.
 */
import { checkUrl } from '../config/check-url.js';
import { readRowMs } from '../config/parse-number.js';
import { rowNamed, type SettingRow, type SettingsOf } from '../config/setting-row.js';
import { HookError } from '../errors.js';
import { NOTIFY_ROWS } from './shared-settings.js';

const TIMEOUT_ROW = rowNamed(NOTIFY_ROWS, 'NOTIFY_TIMEOUT');
export const DEFAULT_NOTIFY_TIMEOUT_S = Number(TIMEOUT_ROW.default);
/** Attempts per message: enough for one 429 and one 5xx, short enough for a hook. */
const NOTIFY_ATTEMPTS = 3;

export function readNotifyTimeoutMs(s: SettingsOf<typeof NOTIFY_ROWS>, problems: string[]): number {
  return readRowMs(TIMEOUT_ROW, s.NOTIFY_TIMEOUT, problems);
}

/** How long a notifier waits for each answer, and how often it tries. */
export interface NotifyLimits {
  timeoutMs: number;
  maxAttempts: number;
}

/**
 * A notifier's config: what `read` makes of its own settings (pushing each problem), then its
 * timeout (the `timeout` row, NOTIFY_TIMEOUT unless the notifier has its own) and attempts.
 * Throws one CONFIG error naming every problem, or returns the config.
 */
export function notifierConfig<Own>(
  s: Partial<Record<string, string>>,
  read: (problems: string[]) => Own,
  timeout: SettingRow = TIMEOUT_ROW,
): Own & NotifyLimits {
  const problems: string[] = [];
  const own = read(problems);
  const timeoutMs = readRowMs(timeout, s[timeout.name], problems);
  if (problems.length > 0) throw new HookError('CONFIG', problems.join('; '));
  return { ...own, timeoutMs, maxAttempts: NOTIFY_ATTEMPTS };
}

/** A URL that is a secret (it holds a token): named when missing or malformed, never echoed. */
export function secretUrl(s: Partial<Record<string, string>>, name: string, problems: string[], why = ''): string {
  const url = s[name] ?? '';
  if (!url) problems.push(`missing setting: ${name}${why}`);
  else checkUrl(name, url, problems, true);
  return url;
}
