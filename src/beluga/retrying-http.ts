/**
 * An HttpClient that retries what may pass (429, 5xx, timeouts, dropped connections) with backoff,
 * inside a run budget, so that a hook always ends before its ACME client gives up on it. It sits
 * under the Beluga client, which still turns the last answer into the error. The retry engine
 * (retry.ts) keeps the time; this decides what may be repeated and says how it ended.
 */
import { mayPass, TransportError, type HttpClient, type HttpRequest, type HttpResponse } from '../http.js';
import { askedWaitMs, retry } from '../retry.js';
import type { RetryPolicy } from './retry-policy.js';

// Callers build the wrapper and its policy from one import.
export { type RetryPolicy } from './retry-policy.js';

export interface RetryDeps {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** One line per retry, e.g. `retry 2/4 in 1.3 s: HTTP 503 (GET)`; never the URL. */
  onRetry?: (line: string) => void;
}

/** One attempt's result; `cut` marks a timeout that the budget, not BELUGA_TIMEOUT, imposed. */
type Outcome = { response: HttpResponse } | { error: TransportError; cut?: boolean };

/** Methods that a repeat cannot harm: update is a PUT of the whole record. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export function createRetryingHttp(inner: HttpClient, policy: RetryPolicy, deps: RetryDeps = {}): HttpClient {
  const now = deps.now ?? Date.now;
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));

  return async (url, request) => {
    const method = request.method.toUpperCase();
    const run = await retry<Outcome>(
      async (attempt, timeoutMs) => {
        // A repeat is signed again: the first attempt's Date may be minutes old by now.
        const fresh = attempt > 1 && request.freshHeaders;
        const sent = fresh ? { ...request, headers: { ...request.headers, ...request.freshHeaders?.() } } : request;
        const outcome = await attemptOnce(inner, url, sent, timeoutMs, policy);
        // Any answer that is not retried goes back to client.ts as it is, which judges it.
        if (!isRetryable(method, outcome)) return { kind: 'final', value: outcome };
        // The server's word beats our guess; a wait past the budget stops the retries instead.
        const told = 'response' in outcome ? askedWaitMs(outcome.response.header('retry-after'), now()) : undefined;
        return { kind: 'retry', value: outcome, afterMs: told };
      },
      {
        maxAttempts,
        timeoutMs: request.timeoutMs,
        deadline: policy.deadline,
        backoff: policy,
        sleep: deps.sleep,
        now,
        random: deps.random,
        onRetry: (next, waitMs, answer) =>
          deps.onRetry?.(
            `retry ${next}/${maxAttempts} in ${(waitMs / 1000).toFixed(1)} s: ${describe(answer.value)} (${method})`,
          ),
      },
    );
    switch (run.ending) {
      case 'spent':
        throw new TransportError('timeout', `${budgetText(policy)} was spent before ${method} could be sent`);
      case 'no-time':
        return settle(run.value, run.attempts, `; ${budgetText(policy)} leaves no time for another`);
      case 'ran-out':
        return settle(run.value, run.attempts, `; ${budgetText(policy)} ran out`);
      default:
        return settle(run.value, run.attempts, '');
    }
  };
}

async function attemptOnce(
  inner: HttpClient,
  url: string,
  request: HttpRequest,
  timeoutMs: number,
  policy: RetryPolicy,
): Promise<Outcome> {
  try {
    return { response: await inner(url, { ...request, timeoutMs }) };
  } catch (err) {
    if (!(err instanceof TransportError)) throw err; // a bug, not a passing trouble
    if (err.kind === 'timeout' && timeoutMs < request.timeoutMs) {
      // The budget, not BELUGA_TIMEOUT, cut this attempt short: say so, or the message misleads.
      const message = `no answer within ${seconds(timeoutMs)} s, when ${budgetText(policy)} ran out`;
      return { error: new TransportError('timeout', message), cut: true };
    }
    return { error: err };
  }
}

/**
 * Whether a repeat may help and cannot harm. POST (create) is repeated only when the server
 * cannot have processed it: 429, 503 with Retry-After, or a refused connection; after a timeout,
 * a dropped connection or another 5xx a record may exist, and a second POST would make another.
 */
function isRetryable(method: string, outcome: Outcome): boolean {
  const idempotent = IDEMPOTENT.has(method.toUpperCase());
  if ('error' in outcome) {
    if (!mayPass(outcome.error)) return false;
    return idempotent || (outcome.error.kind === 'network' && outcome.error.message.includes('ECONNREFUSED'));
  }
  const { status } = outcome.response;
  if (status === 429) return true;
  if (status < 500 || status > 599) return false;
  return idempotent || (status === 503 && outcome.response.header('retry-after') !== undefined);
}

/** The response as it is (client.ts reads it), or the error with how often it was tried. */
function settle(outcome: Outcome, attempts: number, why: string): HttpResponse {
  if ('response' in outcome) return outcome.response;
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  throw new TransportError(outcome.error.kind, `${outcome.error.message}${tries}${outcome.cut ? '' : why}`);
}

function describe(outcome: Outcome): string {
  return 'response' in outcome ? `HTTP ${outcome.response.status}` : outcome.error.message;
}

function budgetText(policy: RetryPolicy): string {
  return policy.budgetMs === undefined
    ? 'the run budget (BELUGA_RUN_BUDGET)'
    : `the run budget of ${seconds(policy.budgetMs)} s (BELUGA_RUN_BUDGET)`;
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
