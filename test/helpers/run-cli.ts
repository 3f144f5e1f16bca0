import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempStateDir } from './state-dir.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${ROOT}dist/cli.js`;
export const FIXTURES = `${ROOT}test/fixtures/`;
export const fixture = (name: string) => FIXTURES + name;
export const fixtureText = (name: string) => readFileSync(fixture(name), 'utf8');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the built `beluga-cert` as a child process with exactly the given environment (plus PATH, no
 * config file, and a fresh journal folder unless the test names one),
 * as an ACME client or a cron job would. Bounded by a kill timer so a hung child cannot hang tests.
 */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, BELUGA_HOOK_CONFIG: 'none', BELUGA_HOOK_STATE_DIR: tempStateDir(), ...env },
      timeout: 60_000,
      killSignal: 'SIGKILL',
    }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
