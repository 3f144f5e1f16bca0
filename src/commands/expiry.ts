import pMap from 'p-map';
import { certificateNames, normalise } from '../certificate/names.js';
import { peekCertificate } from '../certificate/peek.js';
import { EXIT } from '../errors.js';
import type { JournalEntry } from '../journal/index.js';
import { newestDeployedFor } from '../journal/newest-deployed.js';
import { levelAllows } from '../notify/level.js';
import { resultLine, sendToAll } from '../notify/send-all.js';
import type { ExpiryEvent } from '../notify/types.js';
import { reportStoreProblems, reportUnusableStores, scanStores } from '../stores/index.js';
import type { StoreSpec } from '../stores/types.js';
import { addressFor, formatEdgeAddress } from '../verify/edge-address.js';
import type { Probe } from '../verify/edge-probe.js';
import { PROBE_TIMEOUT_MS, probeableNames } from '../verify/poll-edge.js';
import { verifySettingsFromEnv } from '../verify/verify-settings.js';
import type { RunContext } from './context.js';
import { runServices } from './services.js';

export const DEFAULT_EXPIRY_DAYS = 21;
const DAY_MS = 86_400_000;
/** Handshakes at once: a host may hold hundreds of names. */
const AT_ONCE = 8;

export interface ExpiryArgs {
  names: string[];
  stores: StoreSpec[];
  days: number;
  json: boolean;
}

export interface ExpiryRow {
  name: string;
  address: string;
  /** What the edge served; null when it could not be asked (see error). */
  served: { fingerprint256: string; notAfter: string; daysLeft: number } | null;
  error: string | null;
  expiring: boolean;
  /** The newest certificate the journal says was deployed for this name, and when. */
  lastDeployed: { fingerprint256: string; notAfter: string; at: string; recordId: string } | null;
}

/**
 * `beluga-cert expiry [NAME...] [--days N] [--json] [STORES...]`: what browsers get, not what is on
 * disk. Asks the edge (BELUGA_EDGE_ADDRESS, else each name's DNS answer on 443) which certificate
 * it serves for each name (no NAME: every name the journal deployed and the stores hold) and flags
 * those expiring within N days (default 21): one message through the notifiers, exit 43. Names
 * the edge did not answer for are listed; none answered at all is EDGE_UNREACHABLE (42).
 */
export async function expiryCommand(args: ExpiryArgs, ctx: RunContext, deps: { probe?: Probe } = {}): Promise<number> {
  const run = runServices(ctx, { json: args.json });
  const { out } = run;
  try {
    const { edgeAddress } = verifySettingsFromEnv(await run.settings());
    // Built before any handshake: a bad notifier setting is CONFIG before anything is asked.
    const { notifiers, level, startBudget } = await run.notifiers({ budgetFrom: 'send' });
    const journal = await run.journal({ readOnly: true });
    const entries = (await journal.list()).filter((e) => e.deployed);
    const scan = await scanStores(args.stores);
    reportStoreProblems(scan, out);

    const names =
      args.names.length > 0
        ? args.names.map(normalise)
        : await everyName(
            entries,
            scan.certificates.map((c) => c.cert),
          );
    if (names.length === 0) {
      out.info('expiry: no names to check: the journal holds no deployed certificate and no store or NAME was given');
      if (args.json) ctx.stdout.write(`${out.json([])}\n`);
      return reportUnusableStores(scan, out, EXIT.OK);
    }
    const probe = deps.probe ?? (await import('../verify/edge-probe.js')).probeEdge;
    const now = ctx.now().getTime();
    const rows = await pMap(
      names,
      async (name): Promise<ExpiryRow> => {
        const address = addressFor(name, edgeAddress);
        const result = await probe(name, address, PROBE_TIMEOUT_MS);
        const last = newestDeployedFor(entries, name)?.deployed;
        const lastDeployed = last
          ? { fingerprint256: last.fingerprint256, notAfter: last.notAfter, at: last.at, recordId: last.recordId }
          : null;
        if (!result.ok)
          return {
            name,
            address: formatEdgeAddress(address),
            served: null,
            error: result.detail,
            expiring: false,
            lastDeployed,
          };
        const daysLeft = Math.floor((result.notAfter.getTime() - now) / DAY_MS);
        return {
          name,
          address: formatEdgeAddress(address),
          error: null,
          lastDeployed,
          expiring: daysLeft < args.days,
          served: { fingerprint256: result.fingerprint256, notAfter: result.notAfter.toISOString(), daysLeft },
        };
      },
      { concurrency: AT_ONCE },
    );

    const expiring = rows.filter((r) => r.expiring);
    const unreachable = rows.filter((r) => !r.served);
    if (args.json) ctx.stdout.write(`${out.json(rows)}\n`);
    else for (const row of rows) out.info(describe(row));
    out.info(
      `expiry: ${expiring.length} of ${rows.length} name(s) expire on the edge within ${args.days} days, ${unreachable.length} could not be asked`,
    );
    if (expiring.length > 0 && notifiers.length > 0 && levelAllows(level, 'expiring')) {
      await startBudget();
      const event: ExpiryEvent = {
        days: args.days,
        unreachable: unreachable.map((r) => r.name),
        host: ctx.host,
        at: ctx.now(),
        expiring: expiring.map((r) => ({
          name: r.name,
          notAfter: new Date(r.served!.notAfter),
          fingerprint256: r.served!.fingerprint256,
          ...(r.lastDeployed
            ? {
                lastDeployed: {
                  at: new Date(r.lastDeployed.at),
                  notAfter: new Date(r.lastDeployed.notAfter),
                  recordId: r.lastDeployed.recordId,
                },
              }
            : {}),
        })),
      };
      // All at once: one slow or failing service never holds up or hides another's result.
      for (const r of await sendToAll(notifiers, (n) => n.expiry(event))) out.info(resultLine(r));
    }
    if (expiring.length > 0) return EXIT.EDGE_EXPIRING;
    return reportUnusableStores(scan, out, unreachable.length === rows.length ? EXIT.EDGE_UNREACHABLE : EXIT.OK);
  } catch (err) {
    return run.fail(err);
  }
}

/** Every name worth a handshake: what the journal deployed, and what the stores hold now. */
async function everyName(entries: JournalEntry[], certFiles: string[]): Promise<string[]> {
  const names = entries.flatMap((e) => e.deployed!.names);
  for (const file of certFiles) {
    const leaf = await peekCertificate(file);
    if (leaf) names.push(...certificateNames(leaf));
  }
  return probeableNames(names.map(normalise)).sort();
}

function describe(r: ExpiryRow): string {
  const last = r.lastDeployed
    ? `; last deployed here ${r.lastDeployed.at} (expires ${r.lastDeployed.notAfter.slice(0, 10)}, Beluga id ${r.lastDeployed.recordId})`
    : '; nothing deployed from this host';
  if (!r.served) return `${r.name}: could not ask the edge: ${r.error}${last}`;
  const days = `${r.served.daysLeft} day(s) left (${r.served.notAfter.slice(0, 10)})`;
  return `${r.name}: the edge (${r.address}) serves sha256 ${r.served.fingerprint256.slice(0, 23)}… with ${days}${r.expiring ? ': EXPIRING' : ''}${last}`;
}
