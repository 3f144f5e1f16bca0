/**
 * Certificate stores: folders where certificates live on disk (lego, certbot, dehydrated,
 * acme.sh, mounted Kubernetes TLS secrets). Scanning only lists files (and reads the small files
 * that name a domain); the deploy pipeline reads and checks the certificates.
 */
import { scanAcmeSh } from './acme-sh-store.js';
import { scanCertbot } from './certbot-store.js';
import { scanDehydrated } from './dehydrated-store.js';
import { scanDir } from './dir-store.js';
import { scanLego } from './lego-store.js';
import { mergeResults } from './merge-results.js';
import { EXIT } from '../errors.js';
import type { Output } from '../redact.js';
import { STORE_KINDS, storeKind } from './store-kinds.js';
import { problem, storeLabel } from './store-root.js';
import type { ScanResult, StoreKind, StoreSpec } from './types.js';

export { scanCertbot } from './certbot-store.js';
export { scanDir } from './dir-store.js';
export { scanLego } from './lego-store.js';
export type { ScanResult, StoreSpec } from './types.js';

const SCANNERS: Record<StoreKind, (store: StoreSpec) => Promise<ScanResult>> = {
  lego: scanLego,
  certbot: scanCertbot,
  dehydrated: scanDehydrated,
  'acme.sh': scanAcmeSh,
  dir: scanDir,
};

/**
 * Every store in turn (one at a time: a store may hold thousands of folders), sorted by label,
 * each certificate file once. A store that cannot be read is a problem, never a throw.
 */
export async function scanStores(specs: StoreSpec[]): Promise<ScanResult> {
  const results: ScanResult[] = [];
  for (const store of specs) {
    const scan = Object.hasOwn(SCANNERS, store.kind) ? SCANNERS[store.kind] : undefined;
    results.push(
      scan === undefined
        ? {
            certificates: [],
            problems: [
              problem(
                store,
                storeLabel(store),
                store.path,
                `unknown store kind ${String(store.kind)}: use ${STORE_KINDS.map((k) => k.kind).join(', ')}`,
              ),
            ],
          }
        : await scan(store),
    );
  }
  const merged = mergeResults(results);
  const unusable = specs.flatMap((store, i) => {
    const result = results[i]!;
    if (result.certificates.length > 0) return [];
    const whole = result.problems.find((p) => p.path === store.path && p.label === storeLabel(store));
    return [
      whole ??
        problem(
          store,
          storeLabel(store),
          store.path,
          `holds no ${store.kind} certificate; ${storeKind(store.kind)?.expected ?? 'give a folder of certificates'}`,
        ),
    ];
  });
  return { ...merged, unusable };
}

/**
 * Said as soon as the stores are read: each certificate folder, file or store that gave no
 * certificate, one line each, while the other stores are served.
 */
export function reportStoreProblems(scan: ScanResult, out: Pick<Output, 'info'>): void {
  for (const p of scan.problems) out.info(`skipped ${p.label}: ${p.problem}`);
}

/**
 * Said at the end of a command that read stores: each store that gave nothing (a line for those
 * not already named as skipped), and the exit code STORE_UNUSABLE when nothing worse happened.
 */
export function reportUnusableStores(scan: ScanResult, out: Pick<Output, 'info' | 'error'>, code: number): number {
  const unusable = scan.unusable ?? [];
  for (const p of unusable) {
    if (!scan.problems.some((q) => q.label === p.label && q.problem === p.problem))
      out.info(`skipped ${p.label}: ${p.problem}`);
  }
  if (unusable.length === 0 || code !== EXIT.OK) return code;
  out.error(
    `beluga-cert: STORE_UNUSABLE: ${unusable.length} store(s) gave no certificate: ${unusable.map((p) => p.label).join(', ')}`,
  );
  return EXIT.STORE_UNUSABLE;
}
