import { EXIT } from '../errors.js';
import type { JournalEntry } from '../journal/index.js';
import { newestDeployedFor } from '../journal/newest-deployed.js';
import { addressFor, formatEdgeAddress } from '../verify/edge-address.js';
import type { Probe } from '../verify/edge-probe.js';
import { expiresIn } from '../verify/edge-summary.js';
import { FINISH_BUDGET_MS, finishPendingChecks } from '../verify/pending-checks.js';
import { PROBE_TIMEOUT_MS } from '../verify/poll-edge.js';
import { verifySettingsFromEnv } from '../verify/verify-settings.js';
import type { RunContext } from './context.js';
import { runServices } from './services.js';

export interface VerifyRow {
  name: string;
  address: string;
  served: { fingerprint256: string; names: string[]; notAfter: string } | null;
  /** Why nothing was served (no connection, or the edge refused the name). */
  error: string | null;
  /** The newest certificate the journal says was deployed for this name. */
  expected: { fingerprint256: string; key: string; recordId: string; deployedAt: string } | null;
  /** null when the journal knows no certificate for this name. */
  matches: boolean | null;
}

/**
 * `beluga-cert verify [NAME...] [--json]`: what the CDN's edge serves now for each NAME (its
 * fingerprint, names and expiry) and whether it is the newest certificate deployed for that name;
 * with no NAME, finish the edge checks the journal holds as pending. Reads BELUGA_EDGE_ADDRESS
 * (else each name's DNS answer on 443) and BELUGA_HOOK_STATE_DIR. Exit 0 when every name serves
 * what it should, EDGE_MISMATCH when one serves another certificate, else EDGE_UNREACHABLE.
 */
export async function verifyCommand(
  args: { names: string[]; json: boolean },
  ctx: RunContext,
  deps: { probe?: Probe } = {},
): Promise<number> {
  const run = runServices(ctx, { json: args.json });
  const { out } = run;
  try {
    const { edgeAddress } = verifySettingsFromEnv(await run.settings());
    const probe = deps.probe ?? (await import('../verify/edge-probe.js')).probeEdge;

    if (args.names.length === 0) {
      const journal = await run.journal();
      const { finished, left } = await finishPendingChecks(journal, { edgeAddress, probe });
      if (finished.length === 0 && left === 0) out.info('verify: no edge check is pending');
      if (left > 0)
        out.info(
          `verify: ${left} more edge check(s) left pending for the next run (this one used its ${FINISH_BUDGET_MS / 1000} s)`,
        );
      for (const f of finished) {
        out.info(`verify: ${f.domain}: ${f.summary.text}`);
        if (f.warning) out.info(`warning: ${f.domain}: ${f.warning}`);
      }
      if (args.json)
        ctx.stdout.write(
          `${out.json(finished.map((f) => ({ key: f.key, domain: f.domain, served: f.served, text: f.summary.text, names: f.summary.names })))}\n`,
        );
      const outcomes = finished.flatMap((f) => f.summary.names.map((n) => n.outcome));
      return exitFor(outcomes.map((o) => (o === 'served' ? 'ok' : o === 'unreachable' ? 'unreachable' : 'mismatch')));
    }

    // Asking the edge needs no journal: without one, there is just nothing to compare with.
    const entries = await run
      .journal()
      .then((j) => j.list())
      .catch((err: unknown) => {
        out.info(
          `warning: journal unavailable, nothing to compare with: ${err instanceof Error ? err.message : String(err)}`,
        );
        return [] as JournalEntry[];
      });
    const rows: VerifyRow[] = [];
    for (const name of args.names.map((n) => n.toLowerCase().replace(/\.$/, ''))) {
      const address = addressFor(name, edgeAddress);
      const result = await probe(name, address, PROBE_TIMEOUT_MS);
      const newest = newestDeployedFor(entries, name);
      const expected = newest?.deployed
        ? {
            fingerprint256: newest.deployed.fingerprint256,
            key: newest.key,
            recordId: newest.deployed.recordId,
            deployedAt: newest.deployed.at,
          }
        : null;
      const served = result.ok
        ? { fingerprint256: result.fingerprint256, names: result.names, notAfter: result.notAfter.toISOString() }
        : null;
      rows.push({
        name,
        address: formatEdgeAddress(address),
        served,
        error: result.ok ? null : result.detail,
        expected,
        matches: served && expected ? served.fingerprint256 === expected.fingerprint256 : null,
      });
    }
    if (args.json) ctx.stdout.write(`${out.json(rows)}\n`);
    else for (const row of rows) out.info(describe(row, ctx.now()));
    return exitFor(rows.map((r) => (!r.served ? 'unreachable' : r.matches === false ? 'mismatch' : 'ok')));
  } catch (err) {
    return run.fail(err);
  }
}

function describe(r: VerifyRow, now: Date): string {
  if (!r.served) return `${r.name}: unreachable: ${r.error}`;
  const head = `${r.name}: the edge (${r.address}) serves sha256 ${r.served.fingerprint256} for ${r.served.names.join(', ')}, ${expiresIn(new Date(r.served.notAfter), now)} (${r.served.notAfter.slice(0, 10)})`;
  if (!r.expected) return `${head}; no deployed certificate for this name in the journal to compare with`;
  return r.matches
    ? `${head}; matches the newest deployed certificate (Beluga id ${r.expected.recordId}, deployed ${r.expected.deployedAt})`
    : `${head}; does NOT match the newest deployed certificate (sha256 ${r.expected.fingerprint256}, Beluga id ${r.expected.recordId}, deployed ${r.expected.deployedAt})`;
}

/** A mismatch is the stronger news; unreachable next; else 0. */
function exitFor(results: Array<'ok' | 'mismatch' | 'unreachable'>): number {
  if (results.includes('mismatch')) return EXIT.EDGE_MISMATCH;
  if (results.includes('unreachable')) return EXIT.EDGE_UNREACHABLE;
  return EXIT.OK;
}
