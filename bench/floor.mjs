/**
 * The floor for sync and status at scale: one node process that lists a store folder and reads
 * every file in it (what any tool must do at least to know whether a certificate changed).
 * Prints the number of files and bytes read, so the bench can check it saw the whole store.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let files = 0;
let bytes = 0;
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else {
      bytes += readFileSync(path).length;
      files += 1;
    }
  }
};
walk(process.argv[2]);
console.log(`${files} files, ${bytes} bytes`);
