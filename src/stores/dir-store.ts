/**
 * `--dir DIR`: Kubernetes TLS secrets as mounted files (what cert-manager issues). Each
 * sub-folder holding `tls.crt` (leaf + intermediates) and `tls.key` is one certificate; DIR
 * itself may be one mounted secret. `ca.crt` is the issuing CA, not a chain: it is ignored.
 */
import { basename, resolve } from 'node:path';
import { folderCertificate, scanFolders } from './folder-certificate.js';
import { itemLabel, openStore, scanResult } from './store-root.js';
import type { ScanResult, StoreSpec } from './types.js';

const CERT = 'tls.crt';
const KEY = 'tls.key';
const SECRET = { cert: CERT, key: KEY, what: 'secret folder', quietWhenEmpty: true };

/**
 * Names starting with `.` are skipped: a mounted secret holds `..data` and `..2026_...` (the
 * kubelet's atomic-update folders) beside the links, and they would list each secret twice.
 * A sub-folder with neither file is not a TLS secret and is passed over in silence.
 */
export async function scanDir(store: StoreSpec): Promise<ScanResult> {
  const root = await openStore(store);
  if ('problem' in root) return { certificates: [], problems: [root.problem] };
  if (root.names.includes(CERT) || root.names.includes(KEY))
    return scanResult([
      folderCertificate(store, {
        label: itemLabel(store, basename(resolve(store.path))),
        folder: store.path,
        ...SECRET,
      }),
    ]);
  return scanFolders(
    store,
    store.path,
    root.names.filter((name) => !name.startsWith('.')),
    () => SECRET,
  );
}
