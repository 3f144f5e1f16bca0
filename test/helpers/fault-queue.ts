/**
 * Queued faults: the first queued fault that matches a request (target, and method when given)
 * applies to it and loses one of its uses; used-up faults leave the queue. Tests queue them on
 * the sandbox test/helpers/sandbox.ts starts.
 */
import type { RequestTarget } from '../../src/sandbox/index.js';
import { isSinkName } from '../../src/sandbox/notify-sinks.js';

export interface Fault {
  /** The API, the Slack sink, or one of the other notifier sinks (sinks.ts). */
  target: RequestTarget;
  /** Apply only to requests with this method. */
  method?: string;
  /** How many matching requests it applies to (default 1). */
  times?: number;
  /** Answer with this status ... */
  status?: number;
  /** ... and this raw body (default: a JSON failure for the API, Slack-style text for Slack). */
  body?: string;
  /** Added to the answer, e.g. {'Retry-After': '1'}. */
  headers?: Record<string, string>;
  /** The answer's Date header this far from the real clock (ms; negative: behind), as a server with a wrong clock. */
  skewMs?: number;
  /** HTTP 200 (or `status`) with {"result":"failure","message":"...","error":"..."}. */
  failure?: boolean;
  /** Wait this long before answering (then the above, or the normal answer). */
  delayMs?: number;
  /**
   * Answer `status` (default 400) with the request quoted back: every header (Authorization
   * decoded too), every body field, the path in other cases and encodings (see echo-reply.ts).
   */
  echo?: boolean;
  /** Destroy the socket without any answer. */
  drop?: boolean;
  /** Handle the request (a change is applied), then destroy the socket without the answer. */
  lostAnswer?: boolean;
  /** Handle the request (a change is applied), then wait this long before answering (a client killed meanwhile). */
  answerDelayMs?: number;
}

interface Pending {
  fault: Fault;
  left: number;
}

export class FaultQueue {
  private pending: Pending[] = [];

  add(fault: Fault): void {
    const left = fault.times ?? 1;
    if (!(left > 0)) throw new Error('fault.times must be a positive number');
    if (fault.target !== 'api' && fault.target !== 'slack' && !isSinkName(fault.target)) {
      throw new Error("fault.target must be 'api', 'slack', 'discord', 'teams', 'telegram' or 'webhook'");
    }
    this.pending.push({ fault: { ...fault, headers: fault.headers && { ...fault.headers } }, left });
  }

  clear(): void {
    this.pending = [];
  }

  /** The fault for this request, if any, consuming one use of it. */
  take(target: Fault['target'], method: string): Fault | undefined {
    const index = this.pending.findIndex(
      (p) =>
        p.fault.target === target &&
        (p.fault.method === undefined || p.fault.method.toUpperCase() === method.toUpperCase()),
    );
    if (index < 0) return undefined;
    const entry = this.pending[index] as Pending;
    entry.left -= 1;
    if (entry.left <= 0) this.pending.splice(index, 1);
    return entry.fault;
  }
}
