/**
 * The one sender every HTTP notifier uses: POST a JSON body, let the notifier judge each answer
 * (sent, final, or worth another try after a wait), back off, honour the service's wait, stop at
 * the run's deadline, and never throw. Every detail passes the notifier's redactor (redact.ts's
 * createRedactor), because the URL (Slack, Discord, Teams) or the path (Telegram's bot token) is the secret.
 */
import { oneLine } from '../errors.js';
import { mayPass, TransportError, type HttpClient, type HttpResponse } from '../http.js';
import { cutRedacted } from '../redact.js';
import type { NotifyResult } from './types.js';

/** One answer's verdict, as the notifier reads its service's documentation. */
export type Verdict =
  | { kind: 'sent' }
  | { kind: 'final'; detail: string }
  | { kind: 'retry'; detail: string; waitMs?: number };

export interface PostSpec {
  notifier: string;
  url: string;
  timeoutMs: number;
  maxAttempts: number;
  /** Removes the notifier's secrets from any text (createRedactor over its URL and token). */
  hide: (text: string) => string;
  /** Headers made for each attempt (a signature over the current time must not go stale). */
  headers?: (body: string) => Record<string, string>;
  judge: (res: HttpResponse, hide: (text: string) => string) => Verdict;
}

export interface PostDeps {
  http: HttpClient;
  /** Injected so tests can skip real waits; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms when the run's budget ends: no retry starts, and no wait lasts, past it. */
  deadline?: number;
  now?: () => number;
}

/** Services ask for about one message a second; never wait longer than this on their word. */
export const RETRY_AFTER_CAP_MS = 10_000;
/** The first attempt always gets at least this long, even when the budget is spent: the message matters most then. */
export const MIN_ATTEMPT_MS = 2_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 2_000;
const BODY_ECHO_MAX = 100;
const DETAIL_MAX = 200;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A sender for one notifier: give it a message builder, get one NotifyResult back. */
export function createPoster(spec: PostSpec, deps: PostDeps): (build: () => unknown) => Promise<NotifyResult> {
  const sleep = deps.sleep ?? defaultSleep;
  const now = deps.now ?? Date.now;
  const maxAttempts = Number.isFinite(spec.maxAttempts) ? Math.max(1, Math.floor(spec.maxAttempts)) : 1;
  const result = (ok: boolean, detail: string, attempts: number): NotifyResult => ({
    notifier: spec.notifier, ok, detail: cap(spec.hide(oneLine(detail)), DETAIL_MAX), attempts,
  });

  async function attempt(body: string, timeoutMs: number): Promise<Verdict> {
    let res: HttpResponse;
    try {
      res = await deps.http(spec.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...spec.headers?.(body) },
        body,
        timeoutMs,
      });
    } catch (err) {
      if (err instanceof TransportError) {
        if (!mayPass(err)) return { kind: 'final', detail: err.message };
        return { kind: 'retry', detail: err.kind === 'timeout' ? 'timeout' : err.message };
      }
      // Not our client's error type: its message may quote the URL (node-fetch does), so redact.
      return { kind: 'final', detail: `request failed: ${errorText(err)}` };
    }
    return spec.judge(res, spec.hide);
  }

  return async (build) => {
    let body: string;
    try {
      body = JSON.stringify(build());
    } catch (err) {
      return result(false, `could not build the message: ${errorText(err)}`, 0);
    }
    let last = '';
    for (let n = 1; n <= maxAttempts; n++) {
      const left = deps.deadline === undefined ? Infinity : deps.deadline - now();
      const outcome = await attempt(body, Math.min(spec.timeoutMs, Math.max(left, MIN_ATTEMPT_MS)));
      if (outcome.kind === 'sent') return result(true, 'sent', n);
      if (outcome.kind === 'final') return result(false, outcome.detail, n);
      last = outcome.detail;
      if (n === maxAttempts) break;
      const wait = outcome.waitMs ?? backoffMs(n);
      if (deps.deadline !== undefined && now() + wait + MIN_ATTEMPT_MS > deps.deadline) {
        return result(false, `${last} after ${n} attempt${n === 1 ? '' : 's'} (the run budget leaves no time for another)`, n);
      }
      await sleep(wait);
    }
    return result(false, `${last} after ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'}`, maxAttempts);
  };
}

/** The usual verdict for an answer that is not a success: 429 and 5xx are retried, the rest is final. */
export function transient(res: HttpResponse, detail: string, waitMs?: number): Verdict {
  if (res.status === 429) return { kind: 'retry', detail, waitMs: waitMs ?? retryAfterMs(res.header('retry-after')) };
  if (res.status >= 500 && res.status <= 599) return { kind: 'retry', detail, waitMs };
  return { kind: 'final', detail };
}

/** 250 ms, 500 ms, 1 s, 2 s, 2 s...: short, because a deploy hook should not hang on a chat service. */
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

/** A wait the service gave in seconds inside its JSON body (Discord, Telegram), capped. */
export function secondsToWaitMs(seconds: unknown): number | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return undefined;
  return Math.min(RETRY_AFTER_CAP_MS, Math.round(seconds * 1000));
}

/** `HTTP 404 <body>`: the body redacted, then cut (so no half of a secret survives the cut). */
export function answerText(res: HttpResponse, hide: (text: string) => string, said?: string): string {
  const line = oneLine(hide(said ?? res.text));
  return line ? `HTTP ${res.status} ${cap(line, BODY_ECHO_MAX)}` : `HTTP ${res.status}`;
}

/** The JSON object a service answered with, or undefined. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Cut after redaction, never inside a label (redact.ts). */
export function cap(text: string, max: number): string {
  return cutRedacted(text, max);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
