/**
 * `--certbot-dir DIR`: certbot's config folder. Every lineage `live/NAME/` is one certificate:
 * `cert.pem` (the leaf), `privkey.pem`, and `chain.pem` when present, all links into
 * `../../archive/NAME/` that are followed when read. The paths kept are the live/ links, which
 * certbot points at the newest files on every renewal.
 */
import { scanFolders } from './folder-certificate.js';
import { innerFolder } from './store-root.js';
import type { ScanResult, StoreSpec } from './types.js';

/** certbot writes live/README beside the lineages. */
const NOT_LINEAGES = new Set(['README']);

/**
 * The domain is left to the certificate's first name: certbot's renewal/NAME.conf lists no
 * domains (only webroot_map keys, for one authenticator), and the lineage name drops `*.`.
 */
export async function scanCertbot(store: StoreSpec): Promise<ScanResult> {
  // DIR itself when it is a folder named live (someone passed /etc/letsencrypt/live).
  const live = await innerFolder(
    store,
    'live',
    `no certbot live/ folder in ${store.path}: give certbot's config dir (its --config-dir, /etc/letsencrypt by default)`,
    'certbot folder',
  );
  if ('problem' in live) return { certificates: [], problems: [live.problem] };
  const lineages = live.names.filter((name) => !name.startsWith('.') && !NOT_LINEAGES.has(name));
  return scanFolders(store, live.path, lineages, () => ({
    cert: 'cert.pem',
    key: 'privkey.pem',
    chain: 'chain.pem',
    what: 'certbot lineage',
  }));
}
