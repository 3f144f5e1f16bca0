/**
 * How every notifier (the HTTP ones through post-with-retry.ts, and e-mail) turns a run of the
 * retry engine into its NotifyResult: the same words for the same ending, the detail on one line,
 * its secrets hidden, then cut.
 */
import { oneLine } from '../errors.js';
import { cutRedacted } from '../redact.js';
import type { Retried } from '../retry.js';
import type { NotifyResult } from './types.js';

const DETAIL_MAX = 200;

/** A notifier's result: the detail on one line, its secrets hidden, then cut (never inside a label). */
export function notifyResult(
  notifier: string,
  hide: (text: string) => string,
  ok: boolean,
  detail: string,
  attempts: number,
): NotifyResult {
  return { notifier, ok, detail: cutRedacted(hide(oneLine(detail)), DETAIL_MAX), attempts };
}

/** The result of a run whose attempts answer with their detail (for `sent`, the success text). */
export function retriedResult(notifier: string, hide: (text: string) => string, run: Retried<string>): NotifyResult {
  return notifyResult(notifier, hide, run.ending === 'sent', retriedDetail(run), run.attempts);
}

/** The last answer, how often it was tried, and why the retries stopped early. */
function retriedDetail(run: Retried<string>): string {
  if (run.ending === 'spent') return "not sent: no time left in the run's budget";
  if (run.ending === 'sent' || run.ending === 'final') return run.value;
  const tried = `${run.value} after ${run.attempts} attempt${run.attempts === 1 ? '' : 's'}`;
  if (run.ending === 'no-time') return `${tried} (the run budget leaves no time for another)`;
  if (run.ending === 'ran-out') return `${tried} (the run budget ran out)`;
  return tried;
}
