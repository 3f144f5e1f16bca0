/**
 * The checks yargs does not make: a flag given a value it would silently read as false
 * (`--dry-run=yes`), an option given twice, an empty value, a number out of range, an argument
 * after `--`. Each failure is one line for a usage error; nothing has been read or sent yet.
 */
import { HookError } from '../errors.js';
import type { CommandSpec, OptionSpec, Values } from './spec.js';

/** Flags every command has (yargs' own). */
const GLOBAL_FLAGS: OptionSpec[] = [
  { kind: 'flag', name: 'help', describe: '' },
  { kind: 'flag', name: 'version', describe: '' },
];

const usage = (message: string) => new HookError('USAGE', message);

/** The tokens of the command line, as typed: what yargs no longer tells apart. */
export function checkTokens(spec: CommandSpec, argv: string[]): void {
  const options = [...spec.options, ...GLOBAL_FLAGS];
  const seen = new Set<string>();
  for (const token of argv) {
    if (token === '--') break;
    if (!token.startsWith('--')) continue;
    const [name, ...rest] = token.slice(2).split('=');
    const value = rest.length > 0 ? rest.join('=') : undefined;
    const plain = options.find((o) => o.name === name);
    const negated = plain ? undefined : options.find((o) => `no-${o.name}` === name);
    const option = plain ?? negated;
    if (!option) continue; // yargs has refused an unknown option already
    if (negated && option.kind !== 'flag')
      throw usage(`--${name}: only a flag has a --no- form; --${option.name} takes a value`);
    if (option.kind === 'flag' && value !== undefined && value !== 'true' && value !== 'false') {
      throw usage(
        `--${name}=${value}: --${name} is a flag and takes no value; give --${option.name} or --no-${option.name}`,
      );
    }
    if (option.kind === 'texts') continue;
    if (seen.has(option.name)) throw usage(`--${option.name} given more than once`);
    seen.add(option.name);
  }
}

/** Every value of the parsed command line checked against its declaration. */
export function checkValues(spec: CommandSpec, args: Record<string, unknown>): Values {
  const extra = (args._ as unknown[]).slice(1);
  if (extra.length > 0) throw usage(`unexpected argument: ${extra.map(String).join(' ')}`);
  const values = new Map<string, unknown>();
  for (const option of spec.options) values.set(option.name, checkOne(option, args[option.name]));
  const positionals = spec.positional ? ((args[spec.positional.name] ?? []) as unknown[]).map(String) : [];
  const checked: Values = {
    flag: (name) => values.get(name) === true,
    text: (name) => values.get(name) as string | undefined,
    texts: (name) => (values.get(name) as string[] | undefined) ?? [],
    number: (name) => values.get(name) as number,
    positionals,
  };
  const problem = spec.positional?.check?.(positionals) ?? spec.check?.(checked);
  if (problem) throw usage(problem);
  return checked;
}

function checkOne(option: OptionSpec, value: unknown): unknown {
  const flag = `--${option.name}`;
  switch (option.kind) {
    case 'flag':
      return value === true;
    case 'text':
      if (value === undefined) return undefined;
      if (typeof value !== 'string') throw usage(`${flag} needs ${option.placeholder}`);
      if (value.trim() === '') throw usage(option.ifEmpty ?? `${flag} is empty; give ${option.placeholder}`);
      return value;
    case 'texts': {
      const list = (Array.isArray(value) ? value : value === undefined ? [] : [value]) as unknown[];
      if (list.some((v) => typeof v !== 'string' || v.trim() === ''))
        throw usage(`${flag} is empty; give ${option.placeholder}`);
      return list;
    }
    case 'number': {
      if (typeof value === 'number') return value; // the default
      const text = String(value);
      const digits = option.fraction ? /^\d+(\.\d+)?$/ : /^\d+$/;
      const n = Number(text);
      if (!digits.test(text) || n < option.min || n > option.max) {
        throw usage(`${flag} must be ${option.what} from ${option.min} to ${option.max} (got ${text || 'nothing'})`);
      }
      return n;
    }
  }
}
