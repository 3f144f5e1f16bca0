/**
 * Parse and check the whole command line before anything runs: the handlers only note which
 * command was chosen, so a refused command line never reaches a command (yargs, with
 * exitProcess(false), runs a handler after a failed parse unless the fail handler throws).
 */
import type { Argv } from 'yargs';
import { HookError } from '../errors.js';
import { checkTokens, checkValues } from './check-values.js';
import type { CommandSpec, OptionSpec, Values } from './spec.js';

export type Parsed = { kind: 'output'; text: string } | { kind: 'command'; spec: CommandSpec; values: Values };

/** Help or version text to print, or the chosen command with its checked values; a usage HookError otherwise. */
export async function parseCommandLine(argv: string[], commands: CommandSpec[], version: string): Promise<Parsed> {
  const { default: yargs } = await import('yargs');
  let chosen: { spec: CommandSpec; args: Record<string, unknown> } | undefined;
  const parser = yargs()
    .scriptName('beluga-cert')
    .usage('$0 <command> [options]\n\nDeploy renewed TLS certificates to the Beluga CDN and tell Slack.')
    // Only the names as declared (no --dryRun), and every value as typed: the checks convert them.
    .parserConfiguration({ 'camel-case-expansion': false, 'parse-numbers': false, 'parse-positional-numbers': false });
  for (const spec of commands) {
    const usage = spec.positional ? `${spec.name} [${spec.positional.name}..]` : spec.name;
    parser.command(
      usage,
      spec.describe,
      (y) => declare(y, spec),
      (args) => {
        chosen = { spec, args };
      },
    );
  }
  let output = '';
  await parser
    .demandCommand(1, `name a command: ${commands.map((c) => c.name).join(', ')}`)
    // `beluga-cert completion` prints a bash/zsh script; the script calls back with
    // --get-yargs-completions, answered from the same command table.
    .completion('completion', 'print a shell completion script: beluga-cert completion >> ~/.bashrc')
    .strict()
    .version(version)
    .help()
    .alias('help', 'h')
    .exitProcess(false)
    .fail((message, err) => {
      if (message) throw new HookError('USAGE', message);
      throw err;
    })
    // With a callback yargs hands over help and version text instead of printing it.
    .parseAsync(argv, {}, (_err, _args, text) => {
      output = text;
    });
  if (!chosen) return { kind: 'output', text: output };
  checkTokens(chosen.spec, argv);
  return { kind: 'command', spec: chosen.spec, values: checkValues(chosen.spec, chosen.args) };
}

function declare(y: Argv, spec: CommandSpec): Argv {
  if (spec.positional)
    y.positional(spec.positional.name, {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: spec.positional.describe,
    });
  for (const option of spec.options) y.option(option.name, yargsOption(option));
  return y;
}

function yargsOption(option: OptionSpec) {
  switch (option.kind) {
    case 'flag':
      return { type: 'boolean' as const, default: false, describe: option.describe };
    case 'text':
      return {
        type: 'string' as const,
        requiresArg: true,
        demandOption: option.required ?? false,
        describe: option.describe,
      };
    case 'texts':
      return {
        type: 'string' as const,
        array: true,
        requiresArg: true,
        default: [] as string[],
        describe: option.describe,
      };
    // No type: the value stays the text typed, for checkValues to read digits only.
    case 'number':
      return { requiresArg: true, default: option.default, describe: option.describe };
  }
}
