import { nameCovers } from '../certificate/names.js';
import type { JournalEntry } from './types.js';

/**
 * The entry that deployed a certificate covering `name` most recently, whichever key it is under
 * (a wildcard covers one label): what `verify` compares the edge with and `expiry` reports.
 */
export function newestDeployedFor(entries: JournalEntry[], name: string): JournalEntry | undefined {
  return entries
    .filter((e) => e.deployed?.names.some((n) => nameCovers(n, name)))
    .sort((a, b) => (a.deployed!.at < b.deployed!.at ? 1 : -1))[0];
}
