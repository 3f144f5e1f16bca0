import { resolve, sep } from 'node:path';
import pMap from 'p-map';
import { checkCertificate, readCertificateFiles } from '../certificate/read-certificate.js';
import { ALLOW_UNTRUSTED_WARNING, trustSettings, type TrustSettings } from '../certificate/trust.js';
import type { CertificateFiles, CheckedCertificate } from '../certificate/types.js';
import { secretValues } from '../config/build-config.js';
import type { Settings } from '../config/settings.js';
import { createRecorder } from '../journal/deploy-recorder.js';
import { EXIT, HookError, isHookError } from '../errors.js';
import { journalKey, type Journal } from '../journal/index.js';
import {
  filesHash,
  indexKey,
  knownFiles,
  readSyncIndex,
  writeSyncIndex,
  type IndexedFiles,
  type SyncIndex,
} from '../journal/sync-index.js';
import { levelAllows, syncKind } from '../notify/level.js';
import { resultLine, sendToAll } from '../notify/send-all.js';
import type { SyncEvent } from '../notify/types.js';
import { runDeploy, type DeployContext } from '../pipeline.js';
import { createOutput, type Output } from '../redact.js';
import { reportStoreProblems, reportUnusableStores, scanStores } from '../stores/index.js';
import type { LocalCertificate, StoreSpec } from '../stores/types.js';
import type { Target } from '../targets/types.js';
import type { EdgeGuard } from '../verify/edge-guard.js';
import { createEdgeStep, type EdgeStep } from '../verify/edge-step.js';
import type { RunContext } from './context.js';
import { runServices } from './services.js';
import { settingsError } from '../config/settings-error.js';

export interface SyncArgs {
  stores: StoreSpec[];
  dryRun: boolean;
  concurrency: number;
}

/** Certificates read and hashed at once while finding what is unchanged (uploads keep --concurrency). */
const READ_CONCURRENCY = 16;
/** Lines of unchanged certificates written at once. */
const LINES_PER_WRITE = 256;

type Result =
  | { kind: 'deployed'; label: string; domain: string; belugaId: string; notAfter: Date }
  | { kind: 'unchanged' | 'would-deploy'; label: string; domain: string; detail: string }
  | { kind: 'unmapped'; label: string; detail: string }
  | { kind: 'failed'; label: string; domain?: string; code: string; exitCode: number; error: string };

/**
 * `beluga-cert sync STORES...`: deploy every certificate whose newest version is not yet on its
 * record, skip the rest. One list call per run (the target lists once and indexes), uploads in
 * parallel up to --concurrency, a line per certificate, a summary, and one message per notifier for
 * the whole run when something was deployed or failed (NOTIFY_LEVEL: errors: only on a failure;
 * all: also when nothing changed). Uses the same journal and locks as the hooks.
 */
export async function syncCommand(args: SyncArgs, ctx: RunContext): Promise<number> {
  const run = runServices(ctx);
  const { out } = run;
  try {
    const settings = await run.settings();
    if (settings.BELUGA_CERT_ID) {
      throw new HookError(
        'CONFIG',
        'BELUGA_CERT_ID pins one record, but sync maps many certificates: unset it for sync (each certificate finds its record by name)',
      );
    }
    // Built (and checked) before any upload; each message gets the run budget afresh when it is sent.
    const { notifiers, level, startBudget } = await run.notifiers({ budgetFrom: 'send' });
    // Edge checks: each deploy leaves its check pending; the end of the run asks the edge once.
    const { edgeCheckSettings } = await import('../verify/from-settings.js');
    const edge = edgeCheckSettings(settings);
    const trustProblems: string[] = [];
    const trust = trustSettings(settings, trustProblems);
    if (trustProblems.length > 0) throw settingsError(trustProblems);
    if (trust.allowUntrusted) out.info(ALLOW_UNTRUSTED_WARNING);
    // One Beluga target for the whole run: it lists once.
    const target = await run.target({ perRequestBudget: true });
    const edgeGuard = await (await import('../verify/from-settings.js')).edgeGuardFromSettings(settings);
    // A dry run reads the journal too (never writes it): it must skip what the real run would skip.
    const journal = await run.journal({ readOnly: args.dryRun });

    const scan = await scanStores(args.stores);
    reportStoreProblems(scan, out);
    out.info(
      `sync: ${scan.certificates.length} certificate(s) in ${args.stores.length} store(s)${args.dryRun ? ' (dry run: nothing is sent)' : ''}`,
    );

    const verifyEdge = edge.enabled ? createEdgeStep({ mode: 'later', timeoutMs: 0 }) : undefined;
    // First what the sync index proves unchanged (files hash as checked before, the journal agrees):
    // no parsing, no key check, no lock. Everything else goes through the full deploy pipeline.
    const index = await readSyncIndex(journal.dir, (l) => out.info(`warning: ${l}`));
    // Their lines go out a batch at a time: one write per line was a tenth of an unchanged run.
    const lines: string[] = [];
    const known = await pMap(
      scan.certificates,
      async (local) => {
        const result = await unchangedByIndex(local, index, journal, ctx.now());
        if (result) lines.push(describe(result));
        if (lines.length >= LINES_PER_WRITE) out.infoLines(lines.splice(0));
        return result;
      },
      { concurrency: READ_CONCURRENCY },
    );
    out.infoLines(lines);
    const learned = new Map<string, IndexedFiles | undefined>();
    // p-map: at most --concurrency uploads at once.
    const checked = await pMap(
      scan.certificates.filter((_, i) => known[i] === undefined),
      async (local) => {
        const s = { target, journal, settings, ctx, dryRun: args.dryRun, verifyEdge, trust, edgeGuard };
        const { result, indexed } = await syncOne(local, s);
        learned.set(indexKey(local), indexed);
        out.info(describe(result));
        return result;
      },
      { concurrency: args.concurrency },
    );
    // Results in the order of the certificates.
    let next = 0;
    const results = known.map((r) => r ?? checked[next++]!);
    if (!args.dryRun) await updateSyncIndex(journal.dir, index, learned, args.stores, scan.certificates, out);
    const count = (kind: Result['kind']) => results.filter((r) => r.kind === kind).length;
    const failed = results.filter((r): r is Extract<Result, { kind: 'failed' }> => r.kind === 'failed');
    const deployed = results.filter((r): r is Extract<Result, { kind: 'deployed' }> => r.kind === 'deployed');
    out.info(
      `sync: ${args.dryRun ? `${count('would-deploy')} would be deployed` : `${deployed.length} deployed`}, ${count('unchanged')} unchanged, ${failed.length} failed, ${count('unmapped')} unmapped`,
    );
    if (!args.dryRun && edge.enabled) {
      const { finishPendingChecks } = await import('../verify/pending-checks.js');
      const { finished, left } = await finishPendingChecks(journal, { edgeAddress: edge.edgeAddress });
      for (const f of finished) out.info(`edge ${f.domain}: ${f.summary.text}${f.warning ? ` (${f.warning})` : ''}`);
      if (left > 0) out.info(`edge: ${left} more check(s) left pending for the next run`);
    }

    if (!args.dryRun && notifiers.length > 0 && levelAllows(level, syncKind(deployed.length, failed.length))) {
      await startBudget();
      const event: SyncEvent = {
        deployed: deployed.map(({ label, domain, belugaId, notAfter }) => ({ label, domain, belugaId, notAfter })),
        failed: failed.map(({ label, domain, code, error }) => ({ label, domain, code, error })),
        unchanged: count('unchanged'),
        unmapped: count('unmapped'),
        host: ctx.host,
        at: ctx.now(),
      };
      // All at once: one slow or failing service never holds up or hides another's result.
      for (const r of await sendToAll(notifiers, (n) => n.sync(event))) out.info(resultLine(r));
    }
    return reportUnusableStores(scan, out, failed.length === 0 ? EXIT.OK : failed[failed.length - 1]!.exitCode);
  } catch (err) {
    return run.fail(err);
  }
}

interface SyncContext {
  target: () => Target;
  journal: Journal;
  settings: Settings;
  ctx: RunContext;
  dryRun: boolean;
  verifyEdge?: EdgeStep;
  trust: TrustSettings;
  edgeGuard?: EdgeGuard;
}

/**
 * `unchanged` when the sync index knows these exact bytes (any change to any of the files, or to
 * the domain the store gives, changes the hash), the certificate is valid now, and the journal
 * entry of its key says this fingerprint is deployed with nothing pending: what the full check and
 * the recorder would decide, without parsing anything. Undefined (the full check decides, and
 * reports any problem) otherwise, and on any error.
 */
async function unchangedByIndex(
  local: LocalCertificate,
  index: SyncIndex,
  journal: Journal,
  now: Date,
): Promise<Result | undefined> {
  const known = knownFiles(index, local);
  if (known === undefined) return undefined;
  try {
    if (now.getTime() < Date.parse(known.notBefore) || now.getTime() > Date.parse(known.notAfter)) return undefined;
    const entry = await journal.read(known.key);
    const deployed = entry?.deployed;
    if (deployed === undefined || entry?.pending !== undefined) return undefined;
    if (deployed.fingerprint256 !== known.fingerprint256) return undefined;
    const detail = `already deployed to Beluga certificate id=${deployed.recordId} at ${deployed.at}`;
    return { kind: 'unchanged', label: local.label, domain: known.domain, detail };
  } catch {
    return undefined;
  }
}

/**
 * What this run learned goes into the index; entries under a store this run scanned whose file is
 * gone are dropped. Written only when something changed; a failure to write it costs the next run
 * time, so it is a warning.
 */
async function updateSyncIndex(
  dir: string,
  index: SyncIndex,
  learned: Map<string, IndexedFiles | undefined>,
  stores: StoreSpec[],
  scanned: LocalCertificate[],
  out: Output,
): Promise<void> {
  let changed = false;
  for (const [file, entry] of learned) {
    if (entry === undefined) changed = index.delete(file) || changed;
    else if (JSON.stringify(index.get(file)) !== JSON.stringify(entry)) {
      index.set(file, entry);
      changed = true;
    }
  }
  const present = new Set(scanned.map(indexKey));
  const roots = stores.map((store) => resolve(store.path) + sep);
  for (const file of [...index.keys()]) {
    if (!present.has(file) && roots.some((root) => file.startsWith(root))) changed = index.delete(file) || changed;
  }
  if (!changed) return;
  try {
    await writeSyncIndex(dir, index);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    out.info(`warning: could not write the sync index (the next run checks every certificate in full): ${why}`);
  }
}

/**
 * Deploy one local certificate through the same pipeline as a hook, quietly; return what happened,
 * and what the sync index may keep about its files (when the journal now says it is deployed).
 */
async function syncOne(local: LocalCertificate, s: SyncContext): Promise<{ result: Result; indexed?: IndexedFiles }> {
  let checked: { sha256: string; cert: CheckedCertificate } | undefined;
  // The full check, on the very bytes that are hashed: the index never vouches for bytes it did not see checked.
  const read = async (files: CertificateFiles, now: Date) => {
    const data = await readCertificateFiles(files);
    const cert = checkCertificate(data, files, now);
    checked = { sha256: filesHash({ ...data, domain: files.domain }), cert };
    return cert;
  };
  const result = await deployOne(local, s, read);
  // Kept: what the journal now says is deployed (just uploaded, or already there); never a superseded one.
  const onRecord =
    result.kind === 'deployed' || (result.kind === 'unchanged' && result.detail.startsWith('already deployed'));
  if (!onRecord || checked === undefined) return { result };
  const { sha256, cert } = checked;
  return {
    result,
    indexed: {
      sha256,
      domain: cert.domain,
      names: cert.names,
      key: journalKey({ domain: cert.domain }),
      fingerprint256: cert.fingerprint256,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
    },
  };
}

async function deployOne(
  local: LocalCertificate,
  s: SyncContext,
  readCertificate: DeployContext['readCertificate'],
): Promise<Result> {
  // Quiet, but with the run's secrets: the journal and the result get the error through its filter.
  const quiet = createOutput({ write: () => true }, { write: () => true }, secretValues(s.settings));
  const recorder = createRecorder(async () => s.journal, {
    key: (cert) => journalKey({ domain: cert.domain }),
    files: {
      cert: local.cert,
      key: local.key,
      ...(local.chain ? { chain: local.chain } : {}),
      ...(local.domain ? { domain: local.domain } : {}),
    },
    force: false,
    allowNameLoss: false,
    dropSuperseded: false,
    keepSameDates: true,
    lockWaitMs: 30_000,
    now: s.ctx.now,
    retryInterval: s.settings.BELUGA_RETRY_INTERVAL || undefined,
    readOnly: s.dryRun,
  });
  try {
    const outcome = await runDeploy(
      {
        files: { certPath: local.cert, keyPath: local.key, chainPath: local.chain, domain: local.domain },
        dryRun: s.dryRun,
        allowNameLoss: false,
        notifyRepeatedFailures: false,
        notPending: ['NO_RECORD'],
      },
      {
        target: s.target,
        notifiers: [],
        out: quiet,
        now: s.ctx.now,
        host: s.ctx.host,
        readCertificate,
        recorder,
        verifyEdge: s.verifyEdge,
        trust: s.trust,
        edgeGuard: s.edgeGuard,
      },
    );
    const domain = outcome.certificate.domain;
    if (outcome.unchanged) return { kind: 'unchanged', label: local.label, domain, detail: outcome.unchanged };
    if (s.dryRun)
      return {
        kind: 'would-deploy',
        label: local.label,
        domain,
        detail: `would ${outcome.plan?.action === 'create' ? 'create' : `update id=${outcome.plan?.recordId}`}`,
      };
    return {
      kind: 'deployed',
      label: local.label,
      domain,
      belugaId: outcome.applied!.id,
      notAfter: outcome.certificate.notAfter,
    };
  } catch (err) {
    if (isHookError(err) && err.code === 'NO_RECORD')
      return { kind: 'unmapped', label: local.label, detail: err.message };
    // Its record holds a newer certificate (another lineage, or a hook): nothing for sync to do.
    if (isHookError(err) && err.code === 'OLDER_CERTIFICATE')
      return {
        kind: 'unchanged',
        label: local.label,
        domain: local.domain ?? local.label,
        detail: `superseded: ${err.message}`,
      };
    const known = isHookError(err) ? err : undefined;
    return {
      kind: 'failed',
      label: local.label,
      domain: local.domain,
      code: known?.code ?? 'INTERNAL',
      exitCode: known?.exitCode ?? EXIT.INTERNAL,
      error: quiet.redact(known?.message ?? String(err)),
    };
  }
}

function describe(r: Result): string {
  switch (r.kind) {
    case 'deployed':
      return `deployed ${r.label}: ${r.domain} → Beluga certificate id=${r.belugaId}`;
    case 'unchanged':
      return `unchanged ${r.label}: ${r.domain}`;
    case 'would-deploy':
      return `would deploy ${r.label}: ${r.domain}: ${r.detail}`;
    case 'unmapped':
      return `unmapped ${r.label}: ${r.detail}`;
    case 'failed':
      return `failed ${r.label}: ${r.code}: ${r.error}`;
  }
}
