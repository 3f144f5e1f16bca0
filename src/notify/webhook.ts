/**
 * The generic JSON webhook: POSTs the versioned event (webhook-event.ts) to WEBHOOK_URL. With
 * WEBHOOK_SECRET it signs each attempt: X-Beluga-Timestamp (Unix seconds) and X-Beluga-Signature
 * `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, so a receiver can check both who
 * sent it and that it is fresh. Any 2xx is success; 408, 429 and 5xx are retried.
 */
import { createHmac } from 'node:crypto';
import type { HttpResponse } from '../http.js';
import { createRedactor } from '../redact.js';
import { notifierConfig, secretUrl, type NotifyLimits } from './notify-settings.js';
import { answerText, httpNotifier, transient, type Verdict } from './post-with-retry.js';
import type { NotifierSettings } from './definition.js';
import type { Notifier, NotifierDeps } from './types.js';
import { webhookEvent, type WebhookEvent } from './webhook-event.js';
import type { WEBHOOK_ROWS } from './webhook/settings.js';

export const WEBHOOK_URL = 'WEBHOOK_URL';
export const WEBHOOK_SECRET = 'WEBHOOK_SECRET';

export const SIGNATURE_HEADER = 'X-Beluga-Signature';
export const TIMESTAMP_HEADER = 'X-Beluga-Timestamp';
export const EVENT_HEADER = 'X-Beluga-Event';
export const DELIVERY_HEADER = 'X-Beluga-Delivery';

type WebhookSettings = NotifierSettings<typeof WEBHOOK_ROWS>;

export interface WebhookConfig extends NotifyLimits {
  url: string;
  secret?: string;
}

/** Reads WEBHOOK_URL (a secret, or _FILE: it may hold a token), WEBHOOK_SECRET (or _FILE) and NOTIFY_TIMEOUT. */
export function webhookConfig(s: WebhookSettings): WebhookConfig {
  return notifierConfig(s, (problems) => {
    const url = secretUrl(s, WEBHOOK_URL, problems, ` (${WEBHOOK_SECRET} is set, but there is nowhere to send)`);
    const secret = s[WEBHOOK_SECRET] || undefined;
    if (secret !== undefined && secret.length < 16)
      problems.push(
        `${WEBHOOK_SECRET} is too short to sign with: use at least 16 characters (e.g. openssl rand -hex 32)`,
      );
    return { url, secret };
  });
}

/** `sha256=<hex>` over `timestamp.body`: the scheme docs/notifiers.md tells receivers to check. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function createWebhookNotifier(config: WebhookConfig, deps: NotifierDeps & { now?: () => number }): Notifier {
  const now = deps.now ?? Date.now;
  const headers = (body: string) => {
    const event = JSON.parse(body) as WebhookEvent;
    const timestamp = String(Math.floor(now() / 1000));
    return {
      'User-Agent': 'beluga-cert-hook',
      [EVENT_HEADER]: event.type,
      [DELIVERY_HEADER]: event.id,
      [TIMESTAMP_HEADER]: timestamp,
      ...(config.secret ? { [SIGNATURE_HEADER]: signWebhook(config.secret, timestamp, body) } : {}),
    };
  };
  const hide = createRedactor([config.url, config.secret], { label: '[webhook URL]' });
  // Each event gets a new delivery id; its retries resend the same body, so the same id.
  const spec = { name: 'webhook', url: config.url, hide, headers, judge: judgeWebhook, render: webhookEvent };
  return httpNotifier(spec, config, deps);
}

export function judgeWebhook(res: HttpResponse, hide: (text: string) => string): Verdict {
  if (res.status >= 200 && res.status <= 299) return { kind: 'sent' };
  if (res.status === 408) return { kind: 'retry', detail: answerText(res, hide) };
  return transient(res, answerText(res, hide));
}

/** The registry's way in: the notifier its settings describe (it is only loaded when they are set). */
export function createFromSettings(s: WebhookSettings, deps: NotifierDeps): Notifier {
  return createWebhookNotifier(webhookConfig(s), deps);
}
