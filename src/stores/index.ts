/**
 * Certificate stores: folders where certificates live on disk (lego, certbot, mounted
 * Kubernetes TLS secrets). Scanning only lists files; the deploy pipeline reads and checks them.
 */
import { scanCertbot } from './certbot-store.js';
import { scanDir } from './dir-store.js';
import { scanLego } from './lego-store.js';
import { mergeResults } from './merge-results.js';
import { problem, storeLabel } from './store-root.js';
import type { ScanResult, StoreKind, StoreSpec } from './types.js';

export { scanCertbot } from './certbot-store.js';
export { scanDir } from './dir-store.js';
export { scanLego } from './lego-store.js';
export type { ScanResult, StoreSpec } from './types.js';

const SCANNERS: Record<StoreKind, (store: StoreSpec) => Promise<ScanResult>> = {
  lego: scanLego,
  certbot: scanCertbot,
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
                `unknown store kind ${String(store.kind)}: use lego, certbot or dir`,
              ),
            ],
          }
        : await scan(store),
    );
  }
  return mergeResults(results);
}
