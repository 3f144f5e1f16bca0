/**
 * `--certbot-dir DIR`: certbot's config folder. Every lineage `live/NAME/` is one certificate:
 * `cert.pem` (the leaf), `privkey.pem`, and `chain.pem` when present, all links into
 * `../../archive/NAME/` that are followed when read. The paths kept are the live/ links, which
 * certbot points at the newest files on every renewal.
 */
import { join } from 'node:path';
import pMap from 'p-map';
import { folderCertificate } from './folder-certificate.js';
import { isFolder, SCAN_CONCURRENCY } from './fs-probe.js';
import { innerFolder, itemLabel, openStore, scanResult } from './store-root.js';
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
  // DIR itself when it is a folder named live (someone passed /etc/letsencrypt/live).
  const live = await innerFolder(
    store,
    root.names,
    'live',
    `no certbot live/ folder in ${store.path}: give certbot's config dir (its --config-dir, /etc/letsencrypt by default)`,
    'certbot folder',
  );
  if ('problem' in live) return { certificates: [], problems: [live.problem] };
  const lineages = live.names.filter((name) => !name.startsWith('.') && !NOT_LINEAGES.has(name));
  const found = await pMap(
    lineages,
    async (name) => {
      const lineage = join(live.path, name);
      return (await isFolder(lineage)) ? lineageCertificate(store, lineage, name) : undefined;
    },
    { concurrency: SCAN_CONCURRENCY },
  );
  return scanResult(found);
}

function lineageCertificate(
  store: StoreSpec,
  lineage: string,
  name: string,
): Promise<LocalCertificate | StoreProblem | undefined> {
  return folderCertificate(store, {
    label: itemLabel(store, name),
    folder: lineage,
    cert: 'cert.pem',
    key: 'privkey.pem',
    chain: 'chain.pem',
    what: 'certbot lineage',
  });
}
