/**
 * `--dir DIR`: Kubernetes TLS secrets as mounted files (what cert-manager issues). Each
 * sub-folder holding `tls.crt` (leaf + intermediates) and `tls.key` is one certificate; DIR
 * itself may be one mounted secret. `ca.crt` is the issuing CA, not a chain: it is ignored.
 */
import { basename, join, resolve } from 'node:path';
import pMap from 'p-map';
import { isFolder, MISSING, notAFile, SCAN_CONCURRENCY } from './fs-probe.js';
import { itemLabel, openStore, problem } from './store-root.js';
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
  const result: ScanResult = { certificates: [], problems: [] };
  const add = (found: LocalCertificate | StoreProblem | undefined) => {
    if (found === undefined) return;
    if ('problem' in found) result.problems.push(found);
    else result.certificates.push(found);
  };
  if (root.names.includes(CERT) || root.names.includes(KEY)) {
    add(await secretCertificate(store, store.path, basename(resolve(store.path))));
    return result;
  }
  const found = await pMap(
    root.names.filter((name) => !name.startsWith('.')),
    async (name) => {
      const folder = join(store.path, name);
      return (await isFolder(folder)) ? secretCertificate(store, folder, name) : undefined;
    },
    { concurrency: SCAN_CONCURRENCY },
  );
  for (const item of found) add(item);
  return result;
}

async function secretCertificate(
  store: StoreSpec,
  folder: string,
  name: string,
): Promise<LocalCertificate | StoreProblem | undefined> {
  const cert = join(folder, CERT);
  const key = join(folder, KEY);
  const [certWhy, keyWhy] = await Promise.all([notAFile(cert), notAFile(key)]);
  if (certWhy === undefined && keyWhy === undefined) return { store, label: itemLabel(store, name), cert, key };
  if (certWhy === MISSING && keyWhy === MISSING) return undefined;
  const missing = [
    [CERT, certWhy],
    [KEY, keyWhy],
  ]
    .filter(([, why]) => why !== undefined)
    .map(([file, why]) => `${file} ${why}`);
  return problem(store, itemLabel(store, name), folder, `secret folder ${folder} is incomplete: ${missing.join('; ')}`);
}
