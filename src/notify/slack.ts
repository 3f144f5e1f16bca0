/**
 * The Slack notifier: posts the message to an incoming webhook, retries what Slack says is worth
 * retrying (429, 5xx, no answer), and never throws: a failed notification is a warning, not a
 * failed deploy. The webhook URL is a secret, so no detail it returns ever contains it.
 */
import { checkUrl } from '../config/check-url.js';
import { readRowMs } from '../config/parse-number.js';
import { rowNamed } from '../config/setting-row.js';
import { HookError } from '../errors.js';
import type { HttpClient } from '../http.js';
import { createRedactor } from '../redact.js';
import type { NotifierSettings } from './definition.js';
import { answerText, createPoster, transient } from './post-with-retry.js';
import {
  expiryMessage,
  failureMessage,
  skippedMessage,
  successMessage,
  type SlackStyle,
  syncMessage,
  testMessage,
} from './slack-message.js';
import type { Notifier, NotifierDeps } from './types.js';
import { SLACK_ROWS } from './slack/settings.js';

// The retry arithmetic lives in the retry engine; these stay importable from here.
export { retryAfterMs, RETRY_AFTER_CAP_MS } from './post-with-retry.js';

export interface SlackConfig extends SlackStyle {
  webhookUrl: string;
  timeoutMs: number;
  maxAttempts: number;
}

type SlackSettings = NotifierSettings<typeof SLACK_ROWS>;
const TIMEOUT_ROW = rowNamed(SLACK_ROWS, 'SLACK_TIMEOUT');

/**
 * Build the Slack settings, or undefined when SLACK_WEBHOOK_URL is not set (then no message).
 * Reads SLACK_WEBHOOK_URL, SLACK_CHANNEL, SLACK_USERNAME, SLACK_ICON_EMOJI, SLACK_TIMEOUT.
 */
export function buildSlackConfig(s: SlackSettings): SlackConfig | undefined {
  if (!s.SLACK_WEBHOOK_URL) return undefined;
  const problems: string[] = [];
  // The URL is a secret: name the setting, never echo the value.
  checkUrl('SLACK_WEBHOOK_URL', s.SLACK_WEBHOOK_URL, problems, true);
  const timeoutMs = readRowMs(TIMEOUT_ROW, s.SLACK_TIMEOUT, problems);
  if (problems.length > 0) throw new HookError('CONFIG', problems.join('; '));
  return {
    webhookUrl: s.SLACK_WEBHOOK_URL,
    channel: s.SLACK_CHANNEL || undefined,
    username: s.SLACK_USERNAME || undefined,
    iconEmoji: s.SLACK_ICON_EMOJI || undefined,
    timeoutMs,
    maxAttempts: 3,
  };
}

/** The registry's way in: the notifier its settings describe, or none without SLACK_WEBHOOK_URL. */
export function createFromSettings(s: SlackSettings, deps: NotifierDeps): Notifier | undefined {
  const config = buildSlackConfig(s);
  return config && createSlackNotifier(config, deps);
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
  const send = createPoster(
    {
      notifier: 'slack',
      url: config.webhookUrl,
      timeoutMs: config.timeoutMs,
      maxAttempts: config.maxAttempts,
      hide: createRedactor([config.webhookUrl], { label: '[webhook URL]' }),
      // A 200 is not enough: Slack confirms with the body "ok" (reference/slack.md).
      judge: (res, hide) =>
        res.status === 200 && res.text.trim() === 'ok' ? { kind: 'sent' } : transient(res, answerText(res, hide)),
    },
    deps,
  );
  return {
    name: 'slack',
    success: (event) => send(() => successMessage(event, config)),
    failure: (event) => send(() => failureMessage(event, config)),
    sync: (event) => send(() => syncMessage(event, config)),
    skipped: (event) => send(() => skippedMessage(event, config)),
    test: (event) => send(() => testMessage(event, config)),
    expiry: (event) => send(() => expiryMessage(event, config)),
  };
}
