import { hostname } from 'node:os';
import { EXIT } from '../errors.js';
import { nodeFetchClient, type HttpClient } from '../http.js';
import type { RunContext } from './context.js';
import { fdWriter } from './fd-writer.js';

/**
 * The bottom of every executable (the CLI and each hook), the only code that touches `process`:
 * build the RunContext from it, run, and turn the result into the exit code.
 */
export function runAsMain(
  main: (argv: string[], ctx: RunContext) => Promise<number>,
  http: HttpClient = nodeFetchClient,
): void {
  // A reader that closes the pipe (`beluga-cert demo | head`) is not an error: fdWriter drops the rest.
  const stderr = fdWriter(2);
  main(process.argv.slice(2), {
    env: process.env,
    stdout: fdWriter(1),
    stderr,
    http,
    now: () => new Date(),
    host: hostname(),
    uid: process.getuid?.(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      stderr.write(`beluga-cert: INTERNAL: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.INTERNAL;
    },
  );
}
