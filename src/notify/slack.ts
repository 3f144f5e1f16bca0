/**
 * The Slack notifier: posts the message to an incoming webhook, retries what Slack says is worth
 * retrying (429, 5xx, no answer), and never throws: a failed notification is a warning, not a
 * failed deploy. The webhook URL is a secret, so no detail it returns ever contains it.
 */
import type { HttpClient } from '../http.js';
import { createRedactor } from '../redact.js';
import { answerText, createPoster, transient } from './post-with-retry.js';
import { failureMessage, skippedMessage, successMessage, type SlackStyle, syncMessage, testMessage } from './slack-message.js';
import type { Notifier } from './types.js';

// The retry arithmetic lives in the retry engine; these stay importable from here.
export { retryAfterMs, RETRY_AFTER_CAP_MS } from './post-with-retry.js';

export interface SlackConfig extends SlackStyle {
  webhookUrl: string;
  timeoutMs: number;
  maxAttempts: number;
}

export interface SlackDeps {
  http: HttpClient;
  /** Injected so tests can skip real waits; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms when the run's budget ends: retries stop in time. */
  deadline?: number;
  /** The backoff's jitter; tests inject a fixed one. */
  random?: () => number;
}

export function createSlackNotifier(config: SlackConfig, deps: SlackDeps): Notifier {
  const send = createPoster({
    notifier: 'slack',
    url: config.webhookUrl,
    timeoutMs: config.timeoutMs,
    maxAttempts: config.maxAttempts,
    hide: createRedactor([config.webhookUrl], { label: '[webhook URL]' }),
    // A 200 is not enough: Slack confirms with the body "ok" (reference/slack.md).
    judge: (res, hide) => (res.status === 200 && res.text.trim() === 'ok' ? { kind: 'sent' } : transient(res, answerText(res, hide))),
  }, deps);
  return {
    name: 'slack',
    success: (event) => send(() => successMessage(event, config)),
    failure: (event) => send(() => failureMessage(event, config)),
    sync: (event) => send(() => syncMessage(event, config)),
    skipped: (event) => send(() => skippedMessage(event, config)),
    test: (event) => send(() => testMessage(event, config)),
  };
}
