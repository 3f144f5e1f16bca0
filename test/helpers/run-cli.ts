import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
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
export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
  const r = await execa(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, BELUGA_HOOK_CONFIG: 'none', BELUGA_HOOK_STATE_DIR: tempStateDir(), ...env },
    extendEnv: false, // exactly this environment, as an ACME client gives it
    timeout: 60_000,
    killSignal: 'SIGKILL',
    reject: false, // a failing run is a result to assert on, not an exception
    stripFinalNewline: false, // the output exactly as printed
  });
  // Killed (timer or signal) or never started: no exit code.
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
