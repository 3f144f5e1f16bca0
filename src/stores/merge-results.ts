/**
 * Several stores, one answer: every certificate once (the same file named through two options,
 * `--lego-path X` and `--lego-path X/certificates`, or through a symlinked folder, is one
 * certificate), sorted by label so a sync and a status list them the same way every run.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import pMap from 'p-map';
import { byCodeUnits, SCAN_CONCURRENCY } from './fs-probe.js';
import type { ScanResult } from './types.js';

/** Merges in store order: of two entries for the same file, the store named first keeps it. */
export async function mergeResults(results: ScanResult[]): Promise<ScanResult> {
  const folders = new Map<string, Promise<string>>();
  const identity = (path: string) => samePathKey(path, folders);
  const seen = new Set<string>();
  const merged: ScanResult = { certificates: [], problems: [] };
  // Every folder's real path asked for at once, a few at a time; then merged in order.
  const paths = results.flatMap((r) => [
    ...r.certificates.map((c) => c.cert),
    ...r.problems.flatMap((p) => (p.path === undefined ? [] : [p.path])),
  ]);
  await pMap(paths, identity, { concurrency: SCAN_CONCURRENCY });
  for (const result of results) {
    for (const found of result.certificates) {
      const key = await identity(found.cert);
      if (seen.has(key)) continue;
      seen.add(key);
      merged.certificates.push(found);
    }
    for (const found of result.problems) {
      const key = `problem\0${found.label}\0${found.path === undefined ? found.problem : await identity(found.path)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      merged.problems.push(found);
    }
  }
  merged.certificates.sort((a, b) => byCodeUnits(a.label, b.label) || byCodeUnits(a.cert, b.cert));
  merged.problems.sort((a, b) => byCodeUnits(a.label, b.label) || byCodeUnits(a.problem, b.problem));
  return merged;
}

/**
 * The folder's real path plus the file name. Not the file's own real path: certbot's and
 * cert-manager's links are per lineage, but two secrets may well link one shared file.
 */
async function samePathKey(path: string, folders: Map<string, Promise<string>>): Promise<string> {
  const folder = resolve(dirname(path));
  let real = folders.get(folder);
  if (real === undefined) {
    real = realpath(folder).catch(() => folder);
    folders.set(folder, real);
  }
  return join(await real, basename(path));
}
