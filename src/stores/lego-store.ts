/**
 * `--lego-path DIR`: lego's `certificates/` folder. Each `NAME.crt` (leaf + issuers) with its
 * `NAME.key` is one certificate; `NAME.issuer.crt` is its chain and `NAME.json` names its domain
 * (NAME has `_` for `*`, so the file name alone cannot say `*.example.com`).
 */
import { readRegularFileSync } from '../bounded-read.js';
import { join } from 'node:path';
import { isFolder, listFolder, notAFile } from './fs-probe.js';
import { itemLabel, openStore, problem, scanResult, storeLabel } from './store-root.js';
import type { LocalCertificate, ScanResult, StoreProblem, StoreSpec } from './types.js';

/** lego's account file and metadata are a few hundred bytes; anything far larger is not lego's. */
const MAX_JSON_BYTES = 64 * 1024;

/** DIR may be lego's `--path` (holding `certificates/`) or the `certificates/` folder itself. */
export async function scanLego(store: StoreSpec): Promise<ScanResult> {
  const root = await openStore(store);
  if ('problem' in root) return { certificates: [], problems: [root.problem] };
  let folder = store.path;
  let names = root.names;
  const inner = join(store.path, 'certificates');
  if (names.includes('certificates') && isFolder(inner)) {
    const listed = listFolder(inner);
    if ('reason' in listed) {
      return {
        certificates: [],
        problems: [problem(store, storeLabel(store), inner, `lego folder ${inner} ${listed.reason}`)],
      };
    }
    folder = inner;
    names = listed.names;
  }
  const bases = names.filter(isCertificateFile).map((name) => name.slice(0, -'.crt'.length));
  return scanResult(bases.map((base) => legoCertificate(store, folder, base)));
}

/** `NAME.crt`, not the issuer file beside it, nor a hidden file. */
function isCertificateFile(name: string): boolean {
  return name.endsWith('.crt') && !name.endsWith('.issuer.crt') && !name.startsWith('.');
}

function legoCertificate(store: StoreSpec, folder: string, base: string): LocalCertificate | StoreProblem | undefined {
  const cert = join(folder, `${base}.crt`);
  // A folder or a symlink loop named like a certificate is not one of lego's files.
  if (notAFile(cert) !== undefined) return undefined;
  const label = itemLabel(store, base);
  const key = join(folder, `${base}.key`);
  const noKey = notAFile(key);
  if (noKey !== undefined) return problem(store, label, cert, `${cert} has no usable key: ${key} ${noKey}`);
  const issuer = join(folder, `${base}.issuer.crt`);
  const chain = notAFile(issuer) === undefined ? issuer : undefined;
  const domain = jsonDomain(join(folder, `${base}.json`));
  return {
    store,
    label,
    cert,
    key,
    ...(chain === undefined ? {} : { chain }),
    ...(domain === undefined ? {} : { domain }),
  };
}

/** The `"domain"` lego recorded (`*.example.com` for `_.example.com`), when the file parses. */
function jsonDomain(path: string): string | undefined {
  try {
    const read = readRegularFileSync(path, { maxBytes: MAX_JSON_BYTES });
    if (!('data' in read)) return undefined;
    const parsed: unknown = JSON.parse(read.data.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const domain = (parsed as { domain?: unknown }).domain;
    return typeof domain === 'string' && domain.trim() !== '' ? domain.trim() : undefined;
  } catch {
    return undefined;
  }
}
