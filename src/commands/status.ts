import type { X509Certificate } from 'node:crypto';
import pMap from 'p-map';
import { createBelugaClient } from '../beluga/client.js';
import { indexRecords, resolveRecord, type RecordIndex } from '../beluga/resolve-record.js';
import { certificateNames, normalise } from '../certificate/names.js';
import { peekCertificate } from '../certificate/peek.js';
import { buildBelugaConfig } from '../config/build-config.js';
import { EXIT, isHookError } from '../errors.js';
import { journalKey } from '../journal/index.js';
import { knownFiles, readSyncIndex, type IndexedFiles, type SyncIndex } from '../journal/sync-index.js';
import { reportStoreProblems, reportUnusableStores, scanStores } from '../stores/index.js';
import type { StoreSpec } from '../stores/types.js';
import type { RunContext } from './context.js';
import { runServices } from './services.js';

/** Certificates with fewer days left than this are flagged. */
export const EXPIRING_SOON_DAYS = 30;
const DAY_MS = 86_400_000;
/** Certificates read at once. */
const READ_CONCURRENCY = 16;

export interface StatusRow {
  label: string;
  domain: string;
  names: string[];
  notAfter: string | null;
  daysLeft: number | null;
  fingerprint256: string | null;
  record: string | null;
  /** Why no record, or why the certificate could not be read. */
  problem: string | null;
  deployed: 'yes' | 'no' | 'pending' | 'unknown';
  flag: 'expired' | 'expiring soon' | null;
  /** The journal's edge check of the deployed certificate: served, pending, or null when none. */
  edge: { state: 'served' | 'pending'; text: string | null } | null;
}

/**
 * `beluga-cert status STORES... [--json]`: one row per local certificate: domain, names, expiry
 * and days left, the Beluga record it maps to (or why none), and whether the journal says this
 * newest local certificate is deployed there, and what the edge serves (a pending edge check is
 * finished first, the only thing it writes). One list call.
 */
export async function statusCommand(args: { stores: StoreSpec[]; json: boolean }, ctx: RunContext): Promise<number> {
  const run = runServices(ctx, { json: args.json });
  const { out } = run;
  try {
    const settings = await run.settings();
    // The one list call goes out first and runs while the stores are scanned and the certificates
    // read; its answer is used, and its failure told, where they were before.
    const listing = (async () => {
      const client = createBelugaClient(buildBelugaConfig(settings), { http: ctx.http, now: ctx.now });
      return client.list();
    })().then(
      (records) => ({ records }),
      (err: unknown) => ({ err }),
    );
    const scan = await scanStores(args.stores);
    reportStoreProblems(scan, out);
    const now = ctx.now().getTime();
    // The journal is opened before the files are read, for the sync index beside it; a journal that
    // cannot be opened is told where it always was, after the records.
    const opened = await run.journal().then(
      (journal) => ({ journal }),
      (err: unknown) => ({ err }),
    );
    // Files whose bytes the sync index knows (the same decision as sync's) are not parsed: the index
    // holds what the full check found in them. A damaged or foreign index is ignored here; the
    // next sync tells it and writes it anew.
    const syncIndex: SyncIndex =
      'journal' in opened ? await readSyncIndex(opened.journal.dir, () => undefined) : new Map<string, IndexedFiles>();
    // Files read a few at once (each read waits on the disk, not the CPU); rows in store order. Only
    // what a row shows is kept of each certificate, not the parsed certificate itself.
    const rows = await pMap(
      scan.certificates,
      async (local): Promise<{ row: StatusRow; readable: boolean }> => {
        const row: StatusRow = {
          label: local.label,
          domain: local.domain ?? '',
          names: [],
          notAfter: null,
          daysLeft: null,
          fingerprint256: null,
          record: null,
          problem: null,
          deployed: 'unknown',
          flag: null,
          edge: null,
        };
        const facts = knownFiles(syncIndex, local) ?? leafFacts(await peekCertificate(local.cert));
        if (!facts) {
          row.problem = `${local.cert} holds no readable certificate`;
          return { row, readable: false };
        }
        row.names = facts.names;
        row.domain = normalise(local.domain ?? row.names[0] ?? '');
        row.notAfter = facts.notAfter;
        row.daysLeft = Math.floor((Date.parse(facts.notAfter) - now) / DAY_MS);
        row.flag = row.daysLeft < 0 ? 'expired' : row.daysLeft < EXPIRING_SOON_DAYS ? 'expiring soon' : null;
        row.fingerprint256 = facts.fingerprint256;
        return { row, readable: true };
      },
      { concurrency: READ_CONCURRENCY },
    );

    let index: RecordIndex | undefined;
    let listProblem: string | undefined;
    const listed = await listing;
    if ('records' in listed) {
      index = indexRecords(listed.records);
    } else {
      if (!isHookError(listed.err)) throw listed.err;
      listProblem = `records unknown: ${listed.err.message}`;
      out.info(`warning: ${listProblem}`);
    }
    const journal = 'journal' in opened ? opened.journal : undefined;
    if ('err' in opened) {
      const { err } = opened;
      out.info(`warning: journal unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
    // Pending edge checks are finished first, so the rows say what the edge serves now.
    const { edgeCheckSettings } = await import('../verify/from-settings.js');
    const edge = edgeCheckSettings(settings);
    if (journal && edge.enabled) {
      const { finishPendingChecks } = await import('../verify/pending-checks.js');
      await finishPendingChecks(journal, { edgeAddress: edge.edgeAddress });
    }

    // Journal entries read a few at once too.
    await pMap(
      rows,
      async ({ row, readable }) => {
        if (!readable) return;
        if (index) {
          try {
            const r = resolveRecord(index, { domain: row.domain, names: row.names }, { site: settings.BELUGA_SITE });
            row.record = r.action === 'update' ? String(r.record.id) : null;
            if (r.action === 'create') row.problem = `no record; a deploy would create one for site ${r.site}`;
          } catch (err) {
            if (!isHookError(err)) throw err;
            row.problem = err.message;
          }
        } else {
          row.problem = listProblem ?? null;
        }
        const entry = journal && (await journal.read(journalKey({ domain: row.domain })));
        row.deployed = !entry
          ? 'no'
          : entry.deployed?.fingerprint256 === row.fingerprint256
            ? 'yes'
            : entry.pending?.fingerprint256 === row.fingerprint256
              ? 'pending'
              : 'no';
        if (entry?.edge && entry.edge.fingerprint256 === row.fingerprint256) {
          row.edge = { state: entry.edge.state, text: entry.edge.text ?? null };
        }
      },
      { concurrency: READ_CONCURRENCY },
    );
    if (args.json) ctx.stdout.write(`${out.json(rows.map((r) => r.row))}\n`);
    else out.infoLines(table(rows.map((r) => r.row)));
    return reportUnusableStores(scan, out, EXIT.OK);
  } catch (err) {
    return run.fail(err);
  }
}

/** What a row shows of a certificate parsed here (the sync index holds the same for the files it knows). */
function leafFacts(
  leaf: X509Certificate | undefined,
): Pick<IndexedFiles, 'names' | 'notAfter' | 'fingerprint256'> | undefined {
  if (!leaf) return undefined;
  return {
    names: certificateNames(leaf),
    notAfter: new Date(leaf.validTo).toISOString(),
    fingerprint256: leaf.fingerprint256,
  };
}

/** A plain-text table for a terminal: fixed columns, the problem (if any) last. */
function table(rows: StatusRow[]): string[] {
  const head = ['CERTIFICATE', 'DOMAIN', 'NAMES', 'EXPIRES', 'DAYS', 'RECORD', 'DEPLOYED', 'NOTE'];
  const body = rows.map((r) => [
    r.label,
    r.domain,
    String(r.names.length),
    r.notAfter?.slice(0, 10) ?? '-',
    r.daysLeft === null ? '-' : String(r.daysLeft),
    r.record ?? '-',
    r.deployed,
    [r.flag ? r.flag.toUpperCase() : '', r.problem ?? '', r.edge ? `edge: ${r.edge.text ?? r.edge.state}` : '']
      .filter(Boolean)
      .join('; '),
  ]);
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...body.map((b) => b[i]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(head),
    ...body.map(line),
    `${rows.length} certificate(s), ${rows.filter((r) => r.flag).length} expired or expiring within ${EXPIRING_SOON_DAYS} days`,
  ];
}
