/**
 * Every event a notifier gets passes the run's one redaction filter first (every string in it,
 * however deep), so no message to any service carries a secret or a run of the key, whatever
 * field it came in by (an error, a record id or a name the server answered with).
 */
import { redactDeep, type Redactor } from '../redact.js';
import type { Notifier } from './types.js';

export function redactingNotifier(inner: Notifier, redact: Redactor): Notifier {
  return {
    name: inner.name,
    success: (event) => inner.success(redactDeep(event, redact)),
    failure: (event) => inner.failure(redactDeep(event, redact)),
    sync: (event) => inner.sync(redactDeep(event, redact)),
    skipped: (event) => inner.skipped(redactDeep(event, redact)),
    test: (event) => inner.test(redactDeep(event, redact)),
    expiry: (event) => inner.expiry(redactDeep(event, redact)),
  };
}
