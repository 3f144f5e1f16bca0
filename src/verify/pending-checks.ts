/**
 * Finish the edge checks the journal holds as pending (BELUGA_VERIFY=later, or a hook whose check
 * ran out of time): ask the edge once per name and record what it serves. Run by
 * `beluga-cert verify`, `sync` and `status`, so a cron job reports propagation.
 */
import { isHookError } from '../errors.js';
import type { EdgeCheck, Journal, JournalEntry } from '../journal/types.js';
import type { EdgeSummary } from './edge-result.js';
import type { EdgeAddress } from './edge-address.js';
import { summariseEdge } from './edge-summary.js';
import type { Probe } from './edge-probe.js';
import { pollEdge } from './poll-edge.js';

export interface FinishedCheck {
  key: string;
  domain: string;
  /** Served for every name now (the journal says `served`). */
  served: boolean;
  summary: EdgeSummary;
  /** Set when the result could not be written (another run holds the lock): reported, not recorded. */
  warning?: string;
}

export interface FinishOptions {
  edgeAddress?: EdgeAddress;
  probe?: Probe;
  /** How long to wait for a deploy that holds an entry's lock. */
  lockWaitMs?: number;
  /** Epoch ms after which no further entry is asked (default: 60 s from the call); the rest stay pending. */
  deadline?: number;
}

/** Each entry gets at most this long; the whole pass at most FINISH_BUDGET_MS (a cron run stays short). */
const ENTRY_BUDGET_MS = 10_000;
export const FINISH_BUDGET_MS = 60_000;

/** The entries whose edge check waits: pending, and still about the certificate deployed there. */
function pendingChecks(entries: JournalEntry[]): Array<JournalEntry & { edge: EdgeCheck }> {
  return entries.filter(
    (e): e is JournalEntry & { edge: EdgeCheck } =>
      e.edge?.state === 'pending' && e.deployed?.fingerprint256 === e.edge.fingerprint256,
  );
}

/**
 * Ask the edge about every pending check, one entry after another, until `deadline`: `finished`
 * holds what was asked, `left` how many stay pending for the next run.
 */
export async function finishPendingChecks(
  journal: Journal,
  opts: FinishOptions = {},
): Promise<{ finished: FinishedCheck[]; left: number }> {
  const probe = opts.probe ?? (await import('./edge-probe.js')).probeEdge;
  const deadline = opts.deadline ?? Date.now() + FINISH_BUDGET_MS;
  const finished: FinishedCheck[] = [];
  const waiting = pendingChecks(await journal.list());
  for (const entry of waiting) {
    if (Date.now() >= deadline) break;
    const check = entry.edge;
    const uploadedAt = Date.parse(check.uploadedAt);
    const result = await pollEdge(
      {
        names: check.names,
        expected: { fingerprint256: check.fingerprint256, notBefore: new Date(entry.deployed!.notBefore) },
        edgeAddress: opts.edgeAddress,
        uploadedAt,
        deadline: Math.min(deadline, Date.now() + ENTRY_BUDGET_MS),
        giveUpWithoutEdge: false,
        maxRounds: 1,
      },
      { probe, now: Date.now, sleep: async () => undefined },
    );
    const summary = summariseEdge(result.names, new Date());
    const served = result.names.every((n) => n.outcome === 'served');
    const next: EdgeCheck = {
      ...check,
      state: served ? 'served' : 'pending',
      checkedAt: new Date().toISOString(),
      text: summary.text,
    };
    finished.push({
      key: entry.key,
      domain: entry.domain,
      served,
      summary,
      warning: await record(journal, entry.key, next, opts.lockWaitMs ?? 5000),
    });
  }
  return { finished, left: waiting.length - finished.length };
}

/** Under the entry's lock, and only if no deploy changed the certificate since it was read. */
async function record(journal: Journal, key: string, edge: EdgeCheck, waitMs: number): Promise<string | undefined> {
  let release: (() => Promise<void>) | undefined;
  try {
    release = await journal.lock(key, waitMs);
    let replaced = false;
    // Through the entry lock: a run that met the deploy lock may record a pending certificate meanwhile.
    await journal.update(key, (now) => {
      replaced = !now || now.deployed?.fingerprint256 !== edge.fingerprint256;
      return replaced ? undefined : { ...now!, edge };
    });
    return replaced ? 'a newer deploy replaced this certificate; not recorded' : undefined;
  } catch (err) {
    if (isHookError(err)) return `not recorded: ${err.message}`;
    throw err;
  } finally {
    await release?.();
  }
}
