/**
 * One certificate kept as files in a folder of its own (a certbot lineage, a dehydrated or acme.sh
 * certificate folder, a mounted secret): the certificate and key must both be regular files (links
 * followed), the chain is used when there; a folder short of one is a problem naming what is wrong.
 */
import { join } from 'node:path';
import { isFolder, MISSING, notAFile } from './fs-probe.js';
import { itemLabel, problem, scanResult } from './store-root.js';
import type { LocalCertificate, ScanResult, StoreProblem, StoreSpec } from './types.js';

export interface CertificateFolder {
  label: string;
  folder: string;
  /** Names in `folder`. */
  cert: string;
  key: string;
  chain?: string;
  domain?: string;
  /** Names the folder in the problem line: `certbot lineage`, `secret folder`. */
  what: string;
  /** A folder with neither file is not a certificate folder at all (no problem, undefined). */
  quietWhenEmpty?: boolean;
}

export function folderCertificate(store: StoreSpec, f: CertificateFolder): LocalCertificate | StoreProblem | undefined {
  const cert = join(f.folder, f.cert);
  const key = join(f.folder, f.key);
  const chain = f.chain === undefined ? undefined : join(f.folder, f.chain);
  const [certWhy, keyWhy, chainWhy] = [notAFile(cert), notAFile(key), chain === undefined ? MISSING : notAFile(chain)];
  if (certWhy === undefined && keyWhy === undefined) {
    return {
      store,
      label: f.label,
      cert,
      key,
      ...(chainWhy === undefined && chain !== undefined ? { chain } : {}),
      ...(f.domain === undefined ? {} : { domain: f.domain }),
    };
  }
  if (f.quietWhenEmpty && certWhy === MISSING && keyWhy === MISSING) return undefined;
  const missing = [
    [f.cert, certWhy],
    [f.key, keyWhy],
  ]
    .filter(([, why]) => why !== undefined)
    .map(([file, why]) => `${file} ${why}`);
  return problem(store, f.label, f.folder, `${f.what} ${f.folder} is incomplete: ${missing.join('; ')}`);
}

/** What a store says of one of its certificate folders, by the folder's name (label and path are made here). */
type FolderFiles = Omit<CertificateFolder, 'label' | 'folder'>;

/**
 * Every sub-folder `names` of `parent` as one certificate each (entries that are not folders are
 * passed over); `files` says which files a folder holds.
 */
export function scanFolders(
  store: StoreSpec,
  parent: string,
  names: string[],
  files: (name: string) => FolderFiles,
): ScanResult {
  const found = names.map((name) => {
    const folder = join(parent, name);
    if (!isFolder(folder)) return undefined;
    return folderCertificate(store, { label: itemLabel(store, name), folder, ...files(name) });
  });
  return scanResult(found);
}
