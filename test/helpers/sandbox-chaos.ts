/**
 * Seeded chaos: each request for the chosen target fails, with probability `rate`, in one of the
 * ways a real CDN fails. One seeded PRNG decides both whether and how, so a run that found a bug
 * replays exactly from its seed. Failures come before handling (nothing changes), except the
 * opt-in "lost answer": the change is applied, then the connection is dropped.
 */
import type { Fault } from './fault-queue.js';

export interface ChaosOptions {
  /** The share of matching requests that fail, from 0 to 1. */
  rate: number;
  /** The PRNG seed: the same seed and the same requests in the same order fail the same way. */
  seed: number;
  /** Which requests may fail (default 'api'). */
  target?: 'api' | 'slack' | 'both';
  /** How long the "slow, then 504" failure waits (default 3000 ms). */
  delayMs?: number;
  /** Also "processed but the answer lost" (the change is applied, then the socket dropped). */
  lostAnswers?: boolean;
}
export interface ChaosStats {
  /** Matching requests chaos decided on (not those a queued fault took, nor aborted ones). */
  requests: number;
  failed: number;
  /** Failures by kind: '500', '502', '503', '503-retry-after', '429-retry-after', 'drop', 'delay-504', 'lost-answer'. */
  byKind: Record<string, number>;
}

/** The kinds always in play, in the order the PRNG indexes them. */
const BASE_KINDS = ['500', '502', '503', '503-retry-after', '429-retry-after', 'drop', 'delay-504'] as const;

export type ChaosKind = (typeof BASE_KINDS)[number] | 'lost-answer';

const DEFAULT_DELAY_MS = 3000;

/** mulberry32: a tiny 32-bit PRNG, uniform in [0, 1); the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Chaos {
  private readonly random: () => number;
  private readonly kinds: ChaosKind[];
  private readonly target: 'api' | 'slack' | 'both';
  private readonly delayMs: number;
  private requests = 0;
  private failed = 0;
  private readonly byKind: Record<string, number> = {};

  constructor(private readonly options: ChaosOptions) {
    const { rate, seed, target = 'api', delayMs = DEFAULT_DELAY_MS } = options;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
      throw new Error('chaos.rate must be a number from 0 to 1');
    if (!Number.isInteger(seed)) throw new Error('chaos.seed must be an integer');
    if (target !== 'api' && target !== 'slack' && target !== 'both')
      throw new Error("chaos.target must be 'api', 'slack' or 'both'");
    if (!(delayMs >= 0 && Number.isFinite(delayMs)))
      throw new Error('chaos.delayMs must be a number of milliseconds, 0 or more');
    this.random = mulberry32(seed);
    this.kinds = options.lostAnswers ? [...BASE_KINDS, 'lost-answer'] : [...BASE_KINDS];
    this.target = target;
    this.delayMs = delayMs;
    for (const kind of this.kinds) this.byKind[kind] = 0;
  }

  /** The failure for the next request to `target`, or undefined to handle it normally. */
  next(target: 'api' | 'slack'): Fault | undefined {
    if (this.target !== 'both' && this.target !== target) return undefined;
    this.requests += 1;
    // `<` makes rate 0 never fail and rate 1 always fail (random() is below 1).
    if (!(this.random() < this.options.rate)) return undefined;
    const kind = this.kinds[Math.floor(this.random() * this.kinds.length)] as ChaosKind;
    this.failed += 1;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    return chaosFault(kind, target, this.delayMs);
  }

  stats(): ChaosStats {
    return { requests: this.requests, failed: this.failed, byKind: { ...this.byKind } };
  }
}

/** A CDN edge answers 502/503/504 with its own HTML page, whatever sits behind it. */
const edgePage = (status: number, text: string) =>
  `<html><head><title>${status} ${text}</title></head><body><h1>${status} ${text}</h1></body></html>`;

const RETRY = { 'Retry-After': '1' };

/** The fault a kind stands for; Slack's own errors are left to the sink's plain-text codes. */
function chaosFault(kind: ChaosKind, target: 'api' | 'slack', delayMs: number): Fault {
  const api = target === 'api';
  switch (kind) {
    case '500':
      return { target, status: 500, body: api ? apiFailure('internal server error', 'internal_error') : undefined };
    case '502':
      return { target, status: 502, body: edgePage(502, 'Bad Gateway') };
    case '503':
      return { target, status: 503, body: edgePage(503, 'Service Unavailable') };
    case '503-retry-after':
      return { target, status: 503, body: edgePage(503, 'Service Unavailable'), headers: { ...RETRY } };
    case '429-retry-after':
      return {
        target,
        status: 429,
        body: api ? apiFailure('rate limit exceeded', 'rate_limited') : undefined,
        headers: { ...RETRY },
      };
    case 'drop':
      return { target, drop: true };
    case 'delay-504':
      return { target, delayMs, status: 504, body: edgePage(504, 'Gateway Timeout') };
    case 'lost-answer':
      return { target, lostAnswer: true };
  }
}

function apiFailure(message: string, error: string): string {
  return JSON.stringify({ result: 'failure', message, error });
}
