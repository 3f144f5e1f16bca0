/**
 * The Slack notifier: posts the message to an incoming webhook, retries what Slack says is worth
 * retrying (429, 5xx, no answer), and never throws: a failed notification is a warning, not a
 * failed deploy. The webhook URL is a secret, so no detail it returns ever contains it.
 */
import { checkUrl } from '../config/check-url.js';
import { rowNamed } from '../config/setting-row.js';
import type { HttpClient, HttpResponse } from '../http.js';
import { createRedactor } from '../redact.js';
import type { NotifierSettings } from './definition.js';
import { drawFacts } from './notifier-from.js';
import { notifierConfig, type NotifyLimits } from './notify-settings.js';
import { answerText, httpNotifier, transient, type Verdict } from './post-with-retry.js';
import { slackPayload, type SlackStyle } from './slack-message.js';
import type { Notifier, NotifierDeps } from './types.js';
import { SLACK_ROWS } from './slack/settings.js';

// The retry arithmetic lives in the retry engine; these stay importable from here.
export { retryAfterMs, RETRY_AFTER_CAP_MS } from './post-with-retry.js';

export interface SlackConfig extends SlackStyle, NotifyLimits {
  webhookUrl: string;
}

type SlackSettings = NotifierSettings<typeof SLACK_ROWS>;
const TIMEOUT_ROW = rowNamed(SLACK_ROWS, 'SLACK_TIMEOUT');

/**
 * Build the Slack settings, or undefined when SLACK_WEBHOOK_URL is not set (then no message).
 * Reads SLACK_WEBHOOK_URL, SLACK_CHANNEL, SLACK_USERNAME, SLACK_ICON_EMOJI, SLACK_TIMEOUT.
 */
export function buildSlackConfig(s: SlackSettings): SlackConfig | undefined {
  const webhookUrl = s.SLACK_WEBHOOK_URL;
  if (!webhookUrl) return undefined;
  return notifierConfig(
    s,
    (problems) => {
      // The URL is a secret: name the setting, never echo the value.
      checkUrl('SLACK_WEBHOOK_URL', webhookUrl, problems, true);
      return {
        webhookUrl,
        channel: s.SLACK_CHANNEL || undefined,
        username: s.SLACK_USERNAME || undefined,
        iconEmoji: s.SLACK_ICON_EMOJI || undefined,
      };
    },
    TIMEOUT_ROW,
  );
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
  const hide = createRedactor([config.webhookUrl], { label: '[webhook URL]' });
  const render = drawFacts((facts) => slackPayload(facts, config));
  return httpNotifier({ name: 'slack', url: config.webhookUrl, hide, judge: judgeSlack, render }, config, deps);
}

/** A 200 is not enough: Slack confirms with the body "ok" (reference/slack.md). */
function judgeSlack(res: HttpResponse, hide: (text: string) => string): Verdict {
  return res.status === 200 && res.text.trim() === 'ok' ? { kind: 'sent' } : transient(res, answerText(res, hide));
}
