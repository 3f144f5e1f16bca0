#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './command-line/commands.js';
import { parseCommandLine, type Parsed } from './command-line/parse.js';
import type { RunContext } from './commands/context.js';
import { EXIT, isHookError } from './errors.js';
import { runAsMain } from './commands/process-main.js';

/** The version in package.json (one directory above dist/ and src/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The `beluga-cert` command line. Takes its whole outside world as arguments (`run({argv, ...})`)
 * and returns the exit code; only the bottom of this file touches `process`.
 */
export async function run(argv: string[], ctx: RunContext): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = await parseCommandLine(argv, COMMANDS, version());
  } catch (err) {
    if (!isHookError(err) || err.code !== 'USAGE') throw err;
    // Nothing has run: a refused command line is one line on stderr and exit 2.
    const command = COMMANDS.find((c) => c.name === argv[0]);
    ctx.stderr.write(
      `beluga-cert: USAGE: ${err.message}; see beluga-cert${command ? ` ${command.name}` : ''} --help\n`,
    );
    return EXIT.USAGE;
  }
  if (parsed.kind === 'output') {
    ctx.stdout.write(`${parsed.text}\n`);
    return EXIT.OK;
  }
  return parsed.spec.run(parsed.values, ctx);
}

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

/** Run as the `beluga-cert` command (bin/beluga-cert calls this; `node dist/cli.js` runs it itself). */
export function main(): void {
  runAsMain(run);
}

if (isMain()) main();
