/**
 * `--dir DIR`: Kubernetes TLS secrets as mounted files (what cert-manager issues). Each
 * sub-folder holding `tls.crt` (leaf + intermediates) and `tls.key` is one certificate; DIR
 * itself may be one mounted secret. `ca.crt` is the issuing CA, not a chain: it is ignored.
 */
import { basename, join, resolve } from 'node:path';
import pMap from 'p-map';
import { folderCertificate } from './folder-certificate.js';
import { isFolder, SCAN_CONCURRENCY } from './fs-probe.js';
import { itemLabel, openStore, scanResult } from './store-root.js';
import type { LocalCertificate, ScanResult, StoreProblem, StoreSpec } from './types.js';

const CERT = 'tls.crt';
const KEY = 'tls.key';

/**
 * Names starting with `.` are skipped: a mounted secret holds `..data` and `..2026_...` (the
 * kubelet's atomic-update folders) beside the links, and they would list each secret twice.
 * A sub-folder with neither file is not a TLS secret and is passed over in silence.
 */
export async function scanDir(store: StoreSpec): Promise<ScanResult> {
  const root = await openStore(store);
  if ('problem' in root) return { certificates: [], problems: [root.problem] };
  if (root.names.includes(CERT) || root.names.includes(KEY))
    return scanResult([await secretCertificate(store, store.path, basename(resolve(store.path)))]);
  const found = await pMap(
    root.names.filter((name) => !name.startsWith('.')),
    async (name) => {
      const folder = join(store.path, name);
      return (await isFolder(folder)) ? secretCertificate(store, folder, name) : undefined;
    },
    { concurrency: SCAN_CONCURRENCY },
  );
  return scanResult(found);
}

function secretCertificate(
  store: StoreSpec,
  folder: string,
  name: string,
): Promise<LocalCertificate | StoreProblem | undefined> {
  return folderCertificate(store, {
    label: itemLabel(store, name),
    folder,
    cert: CERT,
    key: KEY,
    what: 'secret folder',
    quietWhenEmpty: true,
  });
}
