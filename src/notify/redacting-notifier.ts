/**
 * Every event a notifier gets passes the run's one redaction filter first (every string in it,
 * however deep), so no message to any service carries a secret or a run of the key, whatever
 * field it came in by (an error, a record id or a name the server answered with).
 */
import { redactDeep, type Redactor } from '../redact.js';
import { eachKind } from './notifier-from.js';
import type { Notifier, NotifyResult, PerKind } from './types.js';

export function redactingNotifier(inner: Notifier, redact: Redactor): Notifier {
  const methods: PerKind<Promise<NotifyResult>> = inner;
  return eachKind(inner.name, (kind, event) => methods[kind](redactDeep(event, redact)));
}
