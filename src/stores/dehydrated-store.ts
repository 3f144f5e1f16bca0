/**
 * `--dehydrated-dir DIR`: dehydrated's BASEDIR. Every folder `certs/NAME/` is one certificate:
 * `cert.pem` (the leaf), `privkey.pem`, and `chain.pem` when present. dehydrated keeps every
 * version (`cert-TIMESTAMP.pem`, ...) and points these links at the newest on each renewal; the
 * paths kept are the links, so an older version beside them is never read.
 */
import { dirname, join, resolve } from 'node:path';
import { readRegularFile } from '../bounded-read.js';
import { scanFolders } from './folder-certificate.js';
import { innerFolder } from './store-root.js';
import type { ScanResult, StoreSpec } from './types.js';

/** A domains.txt of a few thousand certificates is well under this; a larger file is not one. */
const MAX_DOMAINS_TXT_BYTES = 4 * 1024 * 1024;

/** DIR may be BASEDIR (holding `certs/`) or the `certs/` folder itself. */
export async function scanDehydrated(store: StoreSpec): Promise<ScanResult> {
  const certs = await innerFolder(
    store,
    'certs',
    `no dehydrated certs/ folder in ${store.path}: give dehydrated's BASEDIR (/etc/dehydrated by default)`,
    'dehydrated folder',
  );
  if ('problem' in certs) return { certificates: [], problems: [certs.problem] };
  const names = certs.names.filter((name) => !name.startsWith('.'));
  const firstDomains = await readDomainsTxt(join(dirname(resolve(certs.path)), 'domains.txt'));
  return scanFolders(store, certs.path, names, (name) => ({
    cert: 'cert.pem',
    key: 'privkey.pem',
    chain: 'chain.pem',
    domain: domainOf(name, firstDomains),
    what: 'dehydrated certificate folder',
  }));
}

/**
 * NAME is the first domain of its domains.txt line, or the line's alias (`example.com www.example.com
 * > example_rsa`): an alias is no domain, so the certificate's first name is used then. Without
 * domains.txt (DOMAINS_TXT elsewhere, or `-d` on the command line) a NAME that is a host name is
 * taken for the first domain, and anything else (`example_rsa`) is left to the certificate.
 */
function domainOf(name: string, firstDomains: Map<string, string | undefined> | undefined): string | undefined {
  const listed = firstDomains?.get(name.toLowerCase());
  if (listed !== undefined || firstDomains?.has(name.toLowerCase())) return listed;
  return HOST_NAME.test(name) ? name : undefined;
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/**
 * domains.txt read as dehydrated reads it: one certificate a line, `#` lines skipped, names lower
 * case, `>alias` (or `> alias`) naming the folder. Folder name → its first domain, or undefined for
 * an alias. Undefined when there is no such file or it cannot be read.
 */
async function readDomainsTxt(path: string): Promise<Map<string, string | undefined> | undefined> {
  const read = await readRegularFile(path, { maxBytes: MAX_DOMAINS_TXT_BYTES }).catch(() => undefined);
  if (read === undefined || !('data' in read)) return undefined;
  const folders = new Map<string, string | undefined>();
  for (const raw of read.data.toString('utf8').split('\n')) {
    const line = raw.trim().toLowerCase().replace(/>\s*/g, ' >');
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/).filter((w) => w !== '');
    const alias = words.find((w) => w.startsWith('>'))?.slice(1);
    const first = words.find((w) => !w.startsWith('>'));
    if (alias) folders.set(alias, undefined);
    else if (first !== undefined) folders.set(first, first);
  }
  return folders;
}
