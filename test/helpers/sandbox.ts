/**
 * The sandbox as the tests use it: the shipped one (src/sandbox/), plus what only tests need,
 * started in-process: queued faults (`sb.fault(...)`: a status, a failure body, a delay, a dropped
 * or lost answer, the request echoed back, a skewed Date header) and seeded chaos. A queued fault wins over chaos; chaos
 * plays the CDN and Slack only, the other sinks fail when a test queues a fault.
 */
import {
  startSandbox as startShipped,
  type InterceptedRequest,
  type Interception,
  type Sandbox as ShippedSandbox,
  type SandboxOptions as ShippedOptions,
} from '../../src/sandbox/index.js';
import { faultReply } from './fault-reply.js';
import { FaultQueue, type Fault } from './fault-queue.js';
import { Chaos, type ChaosOptions, type ChaosStats } from './sandbox-chaos.js';

export * from '../../src/sandbox/index.js';
export type { Fault } from './fault-queue.js';
export type { ChaosOptions } from './sandbox-chaos.js';

export interface SandboxOptions extends Omit<ShippedOptions, 'intercept'> {
  /** Random failures from a seeded PRNG (see sandbox-chaos.ts); a queued fault takes precedence. */
  chaos?: ChaosOptions;
}

export interface Sandbox extends ShippedSandbox {
  fault(f: Fault): void;
  clearFaults(): void;
  /** What `options.chaos` did so far (all zero without it). */
  chaosStats(): ChaosStats;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { chaos: chaosOptions, ...shipped } = options;
  // Built first so that bad chaos options fail the start, not a request.
  const chaos = chaosOptions && new Chaos(chaosOptions);
  const faults = new FaultQueue();
  const intercept = ({ target, request }: InterceptedRequest): Interception | undefined => {
    const fault =
      faults.take(target, request.method) ?? (target === 'api' || target === 'slack' ? chaos?.next(target) : undefined);
    if (!fault) return undefined;
    // Dated when the answer is made, so the skew is exactly what the test asked for.
    const date: Record<string, string> =
      fault.skewMs === undefined ? {} : { Date: new Date(Date.now() + fault.skewMs).toUTCString() };
    return { ...fault, headers: { ...fault.headers, ...date }, reply: faultReply(fault, request) };
  };
  const sb = await startShipped({ ...shipped, intercept });
  return Object.assign(sb, {
    fault: (f: Fault) => faults.add(f),
    clearFaults: () => faults.clear(),
    chaosStats: () => chaos?.stats() ?? { requests: 0, failed: 0, byKind: {} },
  });
}
