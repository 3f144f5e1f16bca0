/**
 * Poll the edge for every name until each serves the uploaded certificate or the deadline passes,
 * with backoff between rounds (1 s, 2 s, 4 s ... 8 s), a bounded number of rounds, and never a wait
 * past the deadline. A name once served is not asked again.
 */
import pMap from 'p-map';
import type { EdgeNameResult } from './edge-result.js';
import { classify, type Expected } from './classify.js';
import { addressFor, type EdgeAddress } from './edge-address.js';
import type { Probe } from './edge-probe.js';

export interface PollRequest {
  names: string[];
  expected: Expected;
  /** BELUGA_EDGE_ADDRESS, or undefined for each name's own DNS answer. */
  edgeAddress?: EdgeAddress;
  /** Epoch ms of the upload: "served after N s" counts from here. */
  uploadedAt: number;
  /** Epoch ms: no probe or wait runs past it. */
  deadline: number;
  /** auto mode: stop after the first round when no name got even a TCP connection. */
  giveUpWithoutEdge: boolean;
  /** At most this many rounds (default MAX_ROUNDS); a cron run that finishes a pending check asks once. */
  maxRounds?: number;
}

export interface PollDeps {
  probe: Probe;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface PollResult {
  names: EdgeNameResult[];
  /** True when no edge answered at all in the first round and the poll gave up (auto mode). */
  noEdge: boolean;
  rounds: number;
}

export const FIRST_WAIT_MS = 1000;
export const MAX_WAIT_MS = 8000;
export const MAX_ROUNDS = 40;
/** One handshake never waits longer than this. */
export const PROBE_TIMEOUT_MS = 5000;
/** Names probed at once: a certificate may hold a hundred. */
const PARALLEL = 8;

export async function pollEdge(req: PollRequest, deps: PollDeps): Promise<PollResult> {
  const results = new Map<string, EdgeNameResult>();
  let rounds = 0;
  const maxRounds = Math.min(MAX_ROUNDS, req.maxRounds ?? MAX_ROUNDS);
  for (let round = 1; round <= maxRounds; round += 1) {
    const left = req.names.filter((n) => results.get(n)?.outcome !== 'served');
    if (left.length === 0) break;
    const timeoutMs = Math.min(PROBE_TIMEOUT_MS, req.deadline - deps.now());
    if (timeoutMs <= 0) break;
    rounds = round;
    const probes = await pMap(left, (name) => deps.probe(name, addressFor(name, req.edgeAddress), timeoutMs), { concurrency: PARALLEL });
    const after = Math.max(0, Math.round((deps.now() - req.uploadedAt) / 1000));
    left.forEach((name, i) => results.set(name, classify(name, probes[i]!, req.expected, after)));
    if (round === 1 && req.giveUpWithoutEdge && probes.every((p) => !p.ok && p.kind === 'network')) {
      return { names: req.names.map((n) => results.get(n)!), noEdge: true, rounds };
    }
    if (req.names.every((n) => results.get(n)?.outcome === 'served') || round === maxRounds) break;
    const wait = Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (round - 1));
    if (deps.now() + wait >= req.deadline) break;
    await deps.sleep(wait);
  }
  return { names: req.names.map((n) => results.get(n) ?? { name: n, outcome: 'unreachable', detail: 'not checked: the time for the check ran out' }), noEdge: false, rounds };
}

/** The names worth a handshake: a wildcard has no host to send as SNI, so it is left out. */
export function probeableNames(names: string[]): string[] {
  return [...new Set(names.map((n) => n.toLowerCase()))].filter((n) => !n.startsWith('*.'));
}
