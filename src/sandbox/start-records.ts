/**
 * The records `beluga-cert sandbox` can start with, so that a first real ACME-client run finds a
 * record to update: read from a JSON file (`--records`), or made up for given names with a
 * self-signed certificate (`--seed`). Each is checked as an upload would be.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkUpload, isProblem, splitCertificates } from './certificate-upload.js';
import { makeSelfSigned } from './self-signed.js';
import type { SeedRecord } from './types.js';

/** A DNS name or a wildcard one: letters, digits, hyphens and dots, `*.` only in front. */
const NAME = /^(\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** A seeded certificate lives long enough to be renewed over and over, not long enough to look real. */
const SEED_VALID_DAYS = 30;

/**
 * The records a `--records` file holds: a JSON array of `{"certificate", "key"?, "chain"?, "site"?,
 * "id"?, "names"?}` (PEM texts), or an object with such a `certificates` array (a state file).
 * Throws an Error naming the file and the record at fault.
 */
export function readRecordsFile(path: string): SeedRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${path}: ${code ? `cannot be read (${code})` : 'is not valid JSON'}`, { cause: err });
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { certificates?: unknown } | null)?.certificates;
  if (!Array.isArray(list)) throw new Error(`${path}: holds neither an array of records nor {"certificates": [...]}`);
  return list.map((entry, i) => {
    const problem = recordProblem(entry);
    if (problem) throw new Error(`${path}: record ${i + 1}: ${problem}`);
    return entry as SeedRecord;
  });
}

/** One record per group of names, its certificate covering all of them (the first is the CN). */
export function seedRecords(groups: string[][], now = new Date()): SeedRecord[] {
  return groups.map((names) => {
    const bad = names.find((n) => !NAME.test(n));
    if (names.length === 0 || bad !== undefined) {
      throw new Error(`--seed: ${JSON.stringify(bad ?? '')} is not a DNS name`);
    }
    const { certPem, keyPem } = makeSelfSigned({ names, now, validDays: SEED_VALID_DAYS });
    return { site: names[0]!.replace(/^\*\./, 'wildcard.'), certificate: certPem, key: keyPem };
  });
}

/** `a.example,b.example` → its names; blanks around the commas go, empty names stay (and are refused). */
export function parseSeed(value: string): string[] {
  return value.split(',').map((n) => n.trim());
}

function recordProblem(entry: unknown): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return 'is not an object';
  const { certificate, key, chain, site, id, names } = entry as Record<string, unknown>;
  if (typeof certificate !== 'string') return '"certificate" (PEM text) is missing';
  for (const [field, value] of Object.entries({ key, chain, site })) {
    if (value !== undefined && typeof value !== 'string') return `"${field}" must be a string`;
  }
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') return '"id" must be a string or a number';
  if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string'))) {
    return '"names" must be an array of strings';
  }
  if (typeof key === 'string') {
    const checked = checkUpload(certificate, key, chain as string | undefined);
    return isProblem(checked) ? checked.message : undefined;
  }
  // Without a key the edge cannot serve it, but the API can list it (a record an upload replaces).
  const blocks = splitCertificates(certificate);
  if (blocks?.length !== 1) return 'certificate must be exactly one PEM certificate';
  try {
    new X509Certificate(blocks[0]!);
    return undefined;
  } catch {
    return 'certificate could not be parsed';
  }
}
