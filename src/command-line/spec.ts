/**
 * How a command's command line is declared: the parser builds yargs from it, and checks every value
 * against it before the command runs.
 */
import type { RunContext } from '../commands/context.js';

/** A flag takes no value (`--json`, `--no-json`; `--json=true|false` too, nothing else). */
interface FlagOption {
  kind: 'flag';
  name: string;
  describe: string;
}
/** One value, once; empty or blank is refused with `ifEmpty` (or a message naming `placeholder`). */
interface TextOption {
  kind: 'text';
  name: string;
  describe: string;
  placeholder: string;
  required?: boolean;
  ifEmpty?: string;
}
/** Any number of values (`--dir A --dir B`), none empty. */
interface TextsOption {
  kind: 'texts';
  name: string;
  describe: string;
  placeholder: string;
}
/** A number within [min, max], whole unless `fraction`; written in digits only (no sign, no exponent). */
interface NumberOption {
  kind: 'number';
  name: string;
  describe: string;
  what: string;
  min: number;
  max: number;
  default: number;
  fraction?: boolean;
}

export type OptionSpec = FlagOption | TextOption | TextsOption | NumberOption;

/** The checked command line, read by option name. */
export interface Values {
  flag(name: string): boolean;
  text(name: string): string | undefined;
  texts(name: string): string[];
  number(name: string): number;
  /** The positional arguments (only `verify` has them). */
  positionals: string[];
}

export interface CommandSpec {
  name: string;
  describe: string;
  options: OptionSpec[];
  positional?: { name: string; describe: string; check?: (values: string[]) => string | undefined };
  /** A check across options, run after each value is checked: a message makes it a usage error. */
  check?: (v: Values) => string | undefined;
  /** Runs the command (loaded only now) once the whole command line is checked. */
  run: (v: Values, ctx: RunContext) => Promise<number>;
}
