/**
 * One row of the settings table: everything the code, the docs and the unknown-name check need to
 * know about a setting. Kept apart from the table so that a notifier's definition can declare its
 * own rows without importing the table that collects them.
 */

/** The accepted range of a numeric setting, checked by the one parser in numbers.ts. */
export interface NumberRule {
  unit: 'seconds' | 'attempts';
  min: number;
  max: number;
  /** The minimum itself is not allowed (a timeout of 0). */
  aboveMin?: boolean;
  /** Only whole numbers (no decimal point). */
  whole?: boolean;
}

type SettingType =
  'text' | 'secret' | 'url' | 'boolean' | 'seconds' | 'attempts' | 'port' | 'path' | 'choice' | 'address' | 'addresses';

export interface SettingRow {
  readonly name: string;
  readonly type: SettingType;
  /** As a person would write it in the config file; absent: unset means "none" or "off". */
  readonly default?: string;
  /** Redacted from all output, accepted as NAME_FILE, and refused in a config file others can read. */
  readonly secret?: boolean;
  /** Numeric settings only: the range the one parser accepts. */
  readonly range?: NumberRule;
  /** One line for docs/configuration.md. */
  readonly doc: string;
}

/** The settings a list of rows names, typed: reading a name that is not among them does not compile. */
export type SettingsOf<Rows extends readonly SettingRow[]> = { [R in Rows[number] as R['name']]?: string };

/** The row named `name`; a name that is not among `rows` is a programming error. */
export function rowNamed(rows: readonly SettingRow[], name: string): SettingRow {
  const row = rows.find((r) => r.name === name);
  if (!row) throw new TypeError(`${name} is not a setting here`);
  return row;
}

/** A timeout in seconds, above 0 and at most ten minutes: the rule of every wait for one answer. */
export function timeoutRow<const Name extends string>(name: Name, byDefault: string, doc: string) {
  const range = { unit: 'seconds', min: 0, max: 600, aboveMin: true } as const;
  return { name, type: 'seconds', default: byDefault, range, doc } as const satisfies SettingRow;
}
