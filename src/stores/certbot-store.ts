/**
 * `--certbot-dir DIR`: certbot's config folder. Every lineage `live/NAME/` is one certificate:
 * `cert.pem` (the leaf), `privkey.pem`, and `chain.pem` when present, all links into
 * `../../archive/NAME/` that are followed when read. The paths kept are the live/ links, which
 * certbot points at the newest files on every renewal.
 */
import { basename, join, resolve } from 'node:path';
import pMap from 'p-map';
import { isFolder, listFolder, notAFile, SCAN_CONCURRENCY } from './fs-probe.js';
import { itemLabel, openStore, problem, storeLabel } from './store-root.js';
import type { LocalCertificate, ScanResult, StoreProblem, StoreSpec } from './types.js';

/** certbot writes live/README beside the lineages. */
const NOT_LINEAGES = new Set(['README']);

/**
 * The domain is left to the certificate's first name: certbot's renewal/NAME.conf lists no
 * domains (only webroot_map keys, for one authenticator), and the lineage name drops `*.`.
 */
export async function scanCertbot(store: StoreSpec): Promise<ScanResult> {
  const root = await openStore(store);
  if ('problem' in root) return { certificates: [], problems: [root.problem] };
  const live = await liveFolder(store, root.names);
  if ('problem' in live) return { certificates: [], problems: [live.problem] };
  const result: ScanResult = { certificates: [], problems: [] };
  const lineages = live.names.filter((name) => !name.startsWith('.') && !NOT_LINEAGES.has(name));
  const found = await pMap(
    lineages,
    async (name) => {
      const lineage = join(live.path, name);
      return (await isFolder(lineage)) ? lineageCertificate(store, lineage, name) : undefined;
    },
    { concurrency: SCAN_CONCURRENCY },
  );
  for (const item of found) {
    if (item === undefined) continue;
    if ('problem' in item) result.problems.push(item);
    else result.certificates.push(item);
  }
  return result;
}

/** DIR/live; DIR itself when it is a folder named live (someone passed /etc/letsencrypt/live). */
async function liveFolder(
  store: StoreSpec,
  names: string[],
): Promise<{ path: string; names: string[] } | { problem: StoreProblem }> {
  const inner = join(store.path, 'live');
  const path =
    names.includes('live') && (await isFolder(inner))
      ? inner
      : basename(resolve(store.path)) === 'live'
        ? store.path
        : undefined;
  if (path === undefined) {
    return {
      problem: problem(
        store,
        storeLabel(store),
        inner,
        `no certbot live/ folder in ${store.path}: give certbot's config dir (its --config-dir, /etc/letsencrypt by default)`,
      ),
    };
  }
  if (path === store.path) return { path, names };
  const listed = await listFolder(path);
  return 'names' in listed
    ? { path, names: listed.names }
    : { problem: problem(store, storeLabel(store), path, `certbot folder ${path} ${listed.reason}`) };
}

async function lineageCertificate(
  store: StoreSpec,
  lineage: string,
  name: string,
): Promise<LocalCertificate | StoreProblem> {
  const label = itemLabel(store, name);
  const cert = join(lineage, 'cert.pem');
  const key = join(lineage, 'privkey.pem');
  const chain = join(lineage, 'chain.pem');
  const missing: string[] = [];
  for (const path of [cert, key]) {
    const why = await notAFile(path);
    if (why !== undefined) missing.push(`${basename(path)} ${why}`);
  }
  if (missing.length > 0)
    return problem(store, label, lineage, `certbot lineage ${lineage} is incomplete: ${missing.join('; ')}`);
  const hasChain = (await notAFile(chain)) === undefined;
  return { store, label, cert, key, ...(hasChain ? { chain } : {}) };
}
