import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh journal folder (BELUGA_HOOK_STATE_DIR) for one child process or test, removed when the
 * test process exits: tests never share a journal, nor touch /var/lib/beluga-cert-hook.
 */
export function tempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bch-state-'));
  made.push(dir);
  return dir;
}
