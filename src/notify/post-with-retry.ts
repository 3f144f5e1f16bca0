/**
 * The one sender every HTTP notifier uses: POST a JSON body, let the notifier judge each answer
 * (sent, final, or worth another try after a wait), and leave the backoff, the service's wait and
 * the run's deadline to the retry engine (retry.ts); never throw. Every detail passes the
 * notifier's redactor (redact.ts's createRedactor), because the URL (Slack, Discord, Teams) or the
 * path (Telegram's bot token) is the secret.
 */
import { oneLine } from '../errors.js';
import { mayPass, TransportError, type HttpClient, type HttpResponse } from '../http.js';
import { cutRedacted } from '../redact.js';
import { askedWaitMs, retry, secondsToWaitMs, type Answer } from '../retry.js';
import { notifierFrom, type Render } from './notifier-from.js';
import { notifyResult, retriedResult } from './retried-result.js';
import type { Notifier, NotifyResult } from './types.js';

// The notifiers read these from here, with the rest of what they judge answers with.
export { retryAfterMs, RETRY_AFTER_CAP_MS } from '../retry.js';

/** One answer's verdict, as the notifier reads its service's documentation. */
export type Verdict =
  | { kind: 'sent' }
  | { kind: 'final'; detail: string }
  /** `waitMs`: the wait the service asked for; the engine caps it, and stops when it ends past the deadline. */
  | { kind: 'retry'; detail: string; waitMs?: number };

interface PostSpec {
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
  /** Epoch ms when the run's budget ends: no attempt outlasts it and no retry starts too late for it. */
  deadline?: number;
  now?: () => number;
  /** The backoff's jitter; tests inject a fixed one. */
  random?: () => number;
}

const BODY_ECHO_MAX = 100;

/** What an HTTP notifier is made of: where it posts, what it hides, how it judges and draws. */
export interface HttpNotifierSpec<Payload> extends Pick<PostSpec, 'url' | 'hide' | 'headers' | 'judge'> {
  name: string;
  render: Render<Payload>;
}

/** An HTTP notifier: every event drawn by `render`, posted as JSON with the retries `limits` allow. */
export function httpNotifier<Payload>(
  spec: HttpNotifierSpec<Payload>,
  limits: { timeoutMs: number; maxAttempts: number },
  deps: PostDeps,
): Notifier {
  const { name, render, ...post } = spec;
  const send = createPoster(
    { ...post, notifier: name, timeoutMs: limits.timeoutMs, maxAttempts: limits.maxAttempts },
    deps,
  );
  return notifierFrom({ name, send, render });
}

/** A sender for one notifier: give it a message builder, get one NotifyResult back. */
function createPoster(spec: PostSpec, deps: PostDeps): (build: () => unknown) => Promise<NotifyResult> {
  async function attempt(body: string, timeoutMs: number): Promise<Answer<string>> {
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
        if (!mayPass(err)) return { kind: 'final', value: err.message };
        return { kind: 'retry', value: err.kind === 'timeout' ? 'timeout' : err.message };
      }
      // Not our client's error type: its message may quote the URL (node-fetch does), so redact.
      return { kind: 'final', value: `request failed: ${errorText(err)}` };
    }
    const verdict = spec.judge(res, spec.hide);
    if (verdict.kind === 'sent') return { kind: 'sent', value: 'sent' };
    if (verdict.kind === 'final') return { kind: 'final', value: verdict.detail };
    return { kind: 'retry', value: verdict.detail, afterMs: verdict.waitMs };
  }

  return async (build) => {
    let body: string;
    try {
      body = JSON.stringify(build());
    } catch (err) {
      const detail = `could not build the message: ${errorText(err)}`;
      return notifyResult(spec.notifier, spec.hide, false, detail, 0);
    }
    const run = await retry((_n, timeoutMs) => attempt(body, timeoutMs), {
      maxAttempts: spec.maxAttempts,
      timeoutMs: spec.timeoutMs,
      deadline: deps.deadline,
      sleep: deps.sleep,
      now: deps.now,
      random: deps.random,
    });
    return retriedResult(spec.notifier, spec.hide, run);
  };
}

/**
 * The usual verdict for an answer that is not a success: 429 and 5xx are retried, the rest is
 * final. A 429 waits `bodyWaitS` (the seconds a service puts in its JSON body), else Retry-After.
 */
export function transient(res: HttpResponse, detail: string, bodyWaitS?: unknown): Verdict {
  if (res.status === 429) {
    return { kind: 'retry', detail, waitMs: secondsToWaitMs(bodyWaitS) ?? askedWaitMs(res.header('retry-after')) };
  }
  if (res.status >= 500 && res.status <= 599) return { kind: 'retry', detail, waitMs: undefined };
  return { kind: 'final', detail };
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
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Cut after redaction, never inside a label (redact.ts). */
function cap(text: string, max: number): string {
  return cutRedacted(text, max);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
