/**
 * The generic JSON webhook: POSTs the versioned event (webhook-event.ts) to WEBHOOK_URL. With
 * WEBHOOK_SECRET it signs each attempt: X-Beluga-Timestamp (Unix seconds) and X-Beluga-Signature
 * `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, so a receiver can check both who
 * sent it and that it is fresh. Any 2xx is success; 408, 429 and 5xx are retried.
 */
import { createHmac } from 'node:crypto';
import { checkUrl } from '../config/check-url.js';
import type { HttpResponse } from '../http.js';
import { createRedactor } from '../redact.js';
import { NOTIFY_ATTEMPTS, readNotifyTimeoutMs, throwProblems } from './notify-settings.js';
import { answerText, createPoster, transient, type Verdict } from './post-with-retry.js';
import type { NotifierSettings } from './definition.js';
import type { Notifier, NotifierDeps } from './types.js';
import {
  expiryEvent,
  failureEvent,
  skippedEvent,
  successEvent,
  syncEvent,
  testEvent,
  type WebhookEvent,
} from './webhook-event.js';
import type { WEBHOOK_ROWS } from './webhook/settings.js';

export const WEBHOOK_URL = 'WEBHOOK_URL';
export const WEBHOOK_SECRET = 'WEBHOOK_SECRET';

export const SIGNATURE_HEADER = 'X-Beluga-Signature';
export const TIMESTAMP_HEADER = 'X-Beluga-Timestamp';
export const EVENT_HEADER = 'X-Beluga-Event';
export const DELIVERY_HEADER = 'X-Beluga-Delivery';

type WebhookSettings = NotifierSettings<typeof WEBHOOK_ROWS>;

export interface WebhookConfig {
  url: string;
  secret?: string;
  timeoutMs: number;
  maxAttempts: number;
}

/** Reads WEBHOOK_URL (a secret, or _FILE: it may hold a token), WEBHOOK_SECRET (or _FILE) and NOTIFY_TIMEOUT. */
export function webhookConfig(s: WebhookSettings): WebhookConfig {
  const problems: string[] = [];
  const url = s[WEBHOOK_URL] ?? '';
  if (!url) problems.push(`missing setting: ${WEBHOOK_URL} (${WEBHOOK_SECRET} is set, but there is nowhere to send)`);
  else checkUrl(WEBHOOK_URL, url, problems, true);
  const secret = s[WEBHOOK_SECRET] || undefined;
  if (secret !== undefined && secret.length < 16)
    problems.push(
      `${WEBHOOK_SECRET} is too short to sign with: use at least 16 characters (e.g. openssl rand -hex 32)`,
    );
  const timeoutMs = readNotifyTimeoutMs(s, problems);
  throwProblems(problems);
  return { url, secret, timeoutMs, maxAttempts: NOTIFY_ATTEMPTS };
}

/** `sha256=<hex>` over `timestamp.body`: the scheme docs/notifiers.md tells receivers to check. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function createWebhookNotifier(config: WebhookConfig, deps: NotifierDeps & { now?: () => number }): Notifier {
  const now = deps.now ?? Date.now;
  const send = createPoster(
    {
      notifier: 'webhook',
      url: config.url,
      timeoutMs: config.timeoutMs,
      maxAttempts: config.maxAttempts,
      hide: createRedactor([config.url, config.secret], { label: '[webhook URL]' }),
      headers: (body) => {
        const event = JSON.parse(body) as WebhookEvent;
        const timestamp = String(Math.floor(now() / 1000));
        return {
          'User-Agent': 'beluga-cert-hook',
          [EVENT_HEADER]: event.type,
          [DELIVERY_HEADER]: event.id,
          [TIMESTAMP_HEADER]: timestamp,
          ...(config.secret ? { [SIGNATURE_HEADER]: signWebhook(config.secret, timestamp, body) } : {}),
        };
      },
      judge: judgeWebhook,
    },
    deps,
  );
  return {
    name: 'webhook',
    success: (event) => send(() => successEvent(event)),
    failure: (event) => send(() => failureEvent(event)),
    sync: (event) => send(() => syncEvent(event)),
    skipped: (event) => send(() => skippedEvent(event)),
    test: (event) => send(() => testEvent(event)),
    expiry: (event) => send(() => expiryEvent(event)),
  };
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
