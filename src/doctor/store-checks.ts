/** The stores given on the command line: each exists and holds certificates of its kind (as sync would read them). */
import { scanStores, type StoreSpec } from '../stores/index.js';
import { storeLabel } from '../stores/store-root.js';
import { check, type Check } from './check.js';

export async function storeChecks(stores: StoreSpec[]): Promise<Check[]> {
  const checks: Check[] = [];
  // One at a time and one scan each, so that each store's line counts only its own certificates.
  for (const store of stores) {
    const name = `store ${storeLabel(store)}`;
    const scan = await scanStores([store]);
    const unusable = scan.unusable ?? [];
    if (unusable.length > 0) {
      for (const p of unusable) checks.push(check('FAIL', name, p.problem));
      continue;
    }
    checks.push(check('ok', name, `${scan.certificates.length} ${store.kind} certificate(s)`));
    for (const p of scan.problems) checks.push(check('warn', name, `${p.label}: ${p.problem}`));
  }
  return checks;
}
