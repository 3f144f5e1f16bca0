/**
 * `--acme-sh-home DIR`: acme.sh's home (`~/.acme.sh`) or its `--cert-home`. Every folder
 * `DOMAIN/` (RSA) or `DOMAIN_ecc/` (ECDSA) holding `DOMAIN.cer` (the leaf) and `DOMAIN.key` is one
 * certificate, with `ca.cer` as its chain; the two folders of one domain are two certificates,
 * labelled by folder (`acme.sh:example.com`, `acme.sh:example.com_ecc`).
 */
import { scanFolders } from './folder-certificate.js';
import { openStore } from './store-root.js';
import type { ScanResult, StoreSpec } from './types.js';

/** acme.sh's own folders beside the certificates: account keys, deploy, DNS and notify hooks. */
const NOT_CERTIFICATES = new Set(['ca', 'deploy', 'dnsapi', 'notify']);

const ECC = '_ecc';

/**
 * Files in DIR (account.conf, http.header, acme.sh itself) and folders holding neither file are
 * acme.sh's own and passed over in silence; a folder with only one of the two is a problem.
 */
export async function scanAcmeSh(store: StoreSpec): Promise<ScanResult> {
  const root = await openStore(store);
  if ('problem' in root) return { certificates: [], problems: [root.problem] };
  const names = root.names.filter((name) => !name.startsWith('.') && !NOT_CERTIFICATES.has(name));
  return scanFolders(store, store.path, names, (name) => {
    const domain = name.endsWith(ECC) && name.length > ECC.length ? name.slice(0, -ECC.length) : name;
    return {
      cert: `${domain}.cer`,
      key: `${domain}.key`,
      chain: 'ca.cer',
      domain,
      what: 'acme.sh certificate folder',
      quietWhenEmpty: true,
    };
  });
}
