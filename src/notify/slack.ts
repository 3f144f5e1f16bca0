/**
 * The Slack notifier: posts the message to an incoming webhook, retries what Slack says is worth
 * retrying (429, 5xx, no answer), and never throws: a failed notification is a warning, not a
 * failed deploy. The webhook URL is a secret, so no detail it returns ever contains it.
 */
import { oneLine } from '../errors.js';
import { TransportError, type HttpClient, type HttpResponse } from '../http.js';
import { failureMessage, skippedMessage, successMessage, type SlackPayload, type SlackStyle, syncMessage, testMessage } from './slack-message.js';
import type { Notifier, NotifyResult } from './types.js';

export interface SlackConfig extends SlackStyle {
  webhookUrl: string;
  timeoutMs: number;
  maxAttempts: number;
}

export interface SlackDeps {
  http: HttpClient;
  /** Injected so tests can skip real waits; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/** Slack asks for about one message a second; never wait longer than this on its word. */
export const RETRY_AFTER_CAP_MS = 10_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 2_000;
const BODY_ECHO_MAX = 100;

/** One attempt's verdict: done (sent or final), or worth another try after `waitMs`. */
type Attempt =
  | { kind: 'sent' }
  | { kind: 'final'; detail: string }
  | { kind: 'retry'; detail: string; waitMs?: number };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSlackNotifier(config: SlackConfig, deps: SlackDeps): Notifier {
  const sleep = deps.sleep ?? defaultSleep;
  const maxAttempts = Number.isFinite(config.maxAttempts) ? Math.max(1, Math.floor(config.maxAttempts)) : 1;
  const hide = redactor(config.webhookUrl);

  async function attempt(body: string): Promise<Attempt> {
    let res: HttpResponse;
    try {
      res = await deps.http(config.webhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        timeoutMs: config.timeoutMs,
      });
    } catch (err) {
      if (err instanceof TransportError) {
        return { kind: 'retry', detail: err.kind === 'timeout' ? 'timeout' : err.message };
      }
      // Not our client's error type: its message may quote the URL (node-fetch does), so redact.
      return { kind: 'final', detail: `request failed: ${errorText(err)}` };
    }
    const answer = `HTTP ${res.status}${echo(hide(res.text))}`;
    // A 200 is not enough: Slack confirms with the body "ok" (reference/slack.md).
    if (res.status === 200 && res.text.trim() === 'ok') return { kind: 'sent' };
    if (res.status === 429) return { kind: 'retry', detail: answer, waitMs: retryAfterMs(res.header('retry-after')) };
    if (res.status >= 500 && res.status <= 599) return { kind: 'retry', detail: answer };
    return { kind: 'final', detail: answer };
  }

  async function send(build: () => SlackPayload): Promise<NotifyResult> {
    const result = (ok: boolean, detail: string, attempts: number): NotifyResult => ({
      notifier: 'slack',
      ok,
      detail: cap(hide(oneLine(detail)), 200),
      attempts,
    });
    let body: string;
    try {
      body = JSON.stringify(build());
    } catch (err) {
      return result(false, `could not build the message: ${errorText(err)}`, 0);
    }
    let last = '';
    for (let n = 1; n <= maxAttempts; n++) {
      const outcome = await attempt(body);
      if (outcome.kind === 'sent') return result(true, 'sent', n);
      if (outcome.kind === 'final') return result(false, outcome.detail, n);
      last = outcome.detail;
      if (n < maxAttempts) await sleep(outcome.waitMs ?? backoffMs(n));
    }
    return result(false, `${last} after ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'}`, maxAttempts);
  }

  return {
    name: 'slack',
    success: (event) => send(() => successMessage(event, config)),
    failure: (event) => send(() => failureMessage(event, config)),
    sync: (event) => send(() => syncMessage(event, config)),
    skipped: (event) => send(() => skippedMessage(event, config)),
    test: (event) => send(() => testMessage(event, config)),
  };
}

/** 250 ms, 500 ms, 1 s, 2 s, 2 s...: short, because a deploy hook should not hang on Slack. */
export function backoffMs(attemptsMade: number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attemptsMade - 1));
}

/** Retry-After in seconds (or an HTTP date), capped; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - now);
  }
  return Math.min(RETRY_AFTER_CAP_MS, ms);
}

/** Slack's error bodies are short codes; anything longer is cut (after redaction, so no token half survives). */
function echo(text: string): string {
  const line = oneLine(text);
  return line ? ` ${cap(line, BODY_ECHO_MAX)}` : '';
}

function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Removes the webhook URL, and its path (the token part), from anything we report. */
function redactor(url: string): (text: string) => string {
  const secrets = [url];
  try {
    const { pathname } = new URL(url);
    if (pathname.length > 1) secrets.push(pathname);
  } catch {
    // Not a URL we can parse: redacting the whole string is all we can do.
  }
  return (text) => secrets.reduce((acc, s) => (s ? acc.split(s).join('[webhook URL]') : acc), text);
}
