/**
 * One message through every notifier at once. A notifier never throws (it returns a failed
 * result), but should one, that is its failed result too: one notifier never fails a run or hides
 * another's result.
 */
import type { Notifier, NotifyResult } from './types.js';

export function sendToAll(
  notifiers: Notifier[],
  send: (n: Notifier) => Promise<NotifyResult>,
): Promise<NotifyResult[]> {
  return Promise.all(
    notifiers.map(async (n) => {
      try {
        return await send(n);
      } catch (err) {
        return { notifier: n.name, ok: false, detail: err instanceof Error ? err.message : 'failed', attempts: 1 };
      }
    }),
  );
}

/** The line a deploy or a sync prints for each result: a failed message is a warning, not an error. */
export function resultLine(r: NotifyResult): string {
  return r.ok ? `notify: ${r.notifier}: ${r.detail}` : `warning: notify: ${r.notifier} failed: ${r.detail}`;
}
