/**
 * Poll the edge for every name until each serves the uploaded certificate or the deadline passes,
 * a bounded number of rounds. Each round is one attempt of the retry engine (retry.ts), which
 * backs off between rounds (jittered under 1 s, 2 s, 4 s ... 8 s) and keeps every probe and wait
 * inside the deadline. A name once served is not asked again.
 */
import pMap from 'p-map';
import type { EdgeNameResult } from './edge-result.js';
import { retry, type Backoff } from '../retry.js';
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
  /** The backoff's jitter; tests inject a fixed one. */
  random?: () => number;
}

export interface PollResult {
  names: EdgeNameResult[];
  /** True when no edge answered at all in the first round and the poll gave up (auto mode). */
  noEdge: boolean;
  rounds: number;
}

const FIRST_WAIT_MS = 1000;
const MAX_WAIT_MS = 8000;
/** A poll waits for a certificate to spread, not for a failure to pass: its own, slower schedule. */
const POLL_BACKOFF: Backoff = { baseDelayMs: FIRST_WAIT_MS, maxDelayMs: MAX_WAIT_MS };
export const MAX_ROUNDS = 40;
/** One handshake never waits longer than this. */
export const PROBE_TIMEOUT_MS = 5000;
/** Names probed at once: a certificate may hold a hundred. */
const PARALLEL = 8;

export async function pollEdge(req: PollRequest, deps: PollDeps): Promise<PollResult> {
  if (req.names.length === 0) return { names: [], noEdge: false, rounds: 0 };
  const results = new Map<string, EdgeNameResult>();
  const isServed = (name: string) => results.get(name)?.outcome === 'served';
  let noEdge = false;
  const run = await retry<undefined>(
    async (round, timeoutMs) => {
      const left = req.names.filter((n) => !isServed(n));
      const address = (name: string) => addressFor(name, req.edgeAddress);
      const probes = await pMap(left, (name) => deps.probe(name, address(name), timeoutMs), { concurrency: PARALLEL });
      const after = Math.max(0, Math.round((deps.now() - req.uploadedAt) / 1000));
      left.forEach((name, i) => results.set(name, classify(name, probes[i]!, req.expected, after)));
      if (round === 1 && req.giveUpWithoutEdge && probes.every((p) => !p.ok && p.kind === 'network')) {
        noEdge = true;
        return { kind: 'final', value: undefined };
      }
      return { kind: req.names.every(isServed) ? 'sent' : 'retry', value: undefined };
    },
    {
      maxAttempts: Math.min(MAX_ROUNDS, req.maxRounds ?? MAX_ROUNDS),
      timeoutMs: PROBE_TIMEOUT_MS,
      deadline: req.deadline,
      backoff: POLL_BACKOFF,
      now: deps.now,
      sleep: deps.sleep,
      random: deps.random,
    },
  );
  const notChecked = (name: string): EdgeNameResult => ({
    name,
    outcome: 'unreachable',
    detail: 'not checked: the time for the check ran out',
  });
  return { names: req.names.map((n) => results.get(n) ?? notChecked(n)), noEdge, rounds: run.attempts };
}

/** The names worth a handshake: a wildcard has no host to send as SNI, so it is left out. */
export function probeableNames(names: string[]): string[] {
  return [...new Set(names.map((n) => n.toLowerCase()))].filter((n) => !n.startsWith('*.'));
}
