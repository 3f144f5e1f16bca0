/**
 * Several stores, one answer: every certificate once (the same file named through two options,
 * `--lego-path X` and `--lego-path X/certificates`, or through a symlinked folder, is one
 * certificate), sorted by label so a sync and a status list them the same way every run.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { byCodeUnits } from './fs-probe.js';
import type { ScanResult } from './types.js';

/** Merges in store order: of two entries for the same file, the store named first keeps it. */
export function mergeResults(results: ScanResult[]): ScanResult {
  const folders = new Map<string, string>();
  const identity = (path: string) => samePathKey(path, folders);
  const seen = new Set<string>();
  const merged: ScanResult = { certificates: [], problems: [] };
  for (const result of results) {
    for (const found of result.certificates) {
      const key = identity(found.cert);
      if (seen.has(key)) continue;
      seen.add(key);
      merged.certificates.push(found);
    }
    for (const found of result.problems) {
      const key = `problem\0${found.label}\0${found.path === undefined ? found.problem : identity(found.path)}`;
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
function samePathKey(path: string, folders: Map<string, string>): string {
  const folder = resolve(dirname(path));
  let real = folders.get(folder);
  if (real === undefined) {
    try {
      real = realpathSync(folder);
    } catch {
      real = folder;
    }
    folders.set(folder, real);
  }
  return join(real, basename(path));
}
