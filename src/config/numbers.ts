/**
 * Every numeric setting by name, with the range the settings table gives it, read through the one
 * parser in parse-number.ts. A reader that passes no fallback gets the table's default.
 */
import { readRuled, ruleProblem } from './parse-number.js';
import type { NumberRule } from './setting-row.js';
import { SETTING_ROWS } from './settings-table.js';

export type { NumberRule } from './setting-row.js';

export const NUMBER_SETTINGS: Readonly<Record<string, NumberRule>> = Object.fromEntries(
  SETTING_ROWS.flatMap((row) => (row.range ? [[row.name, row.range] as const] : [])),
);

function ruleOf(name: string): NumberRule {
  const rule = NUMBER_SETTINGS[name];
  if (rule === undefined) throw new TypeError(`${name} is not a numeric setting`);
  return rule;
}

/** The table's default of a numeric setting, as a number. */
export function defaultNumber(name: string): number {
  ruleOf(name);
  return Number(SETTING_ROWS.find((row) => row.name === name)!.default);
}

/** What is wrong with `value` for the numeric setting `name`; undefined when fine (or empty: the default). */
export function numberProblem(name: string, value: string | undefined): string | undefined {
  return ruleProblem(name, ruleOf(name), value);
}

/**
 * The setting's number, or `fallback` (the table's default) when it is unset, empty, or wrong
 * (then its problem is added to `problems`).
 */
export function readNumber(
  name: string,
  value: string | undefined,
  fallback: number | undefined,
  problems: string[],
): number {
  return readRuled(name, ruleOf(name), value, fallback ?? defaultNumber(name), problems);
}

/** A setting in seconds as milliseconds; the fallback (or the table's default) when unset, empty or wrong. */
export function readSecondsMs(
  name: string,
  value: string | undefined,
  fallbackS: number | undefined,
  problems: string[],
): number {
  return Math.round(readNumber(name, value, fallbackS, problems) * 1000);
}
