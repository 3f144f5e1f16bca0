/**
 * The one parser for numeric settings, given the setting's rule. Only plain decimal is a number
 * here: Number() would also take "0x10", "1e3", "Infinity" and " " (as 0), which no one means in
 * a config file. Free of imports, so that every module reading a number, however low, can use it.
 */
import type { NumberRule, SettingRow } from './setting-row.js';

const DECIMAL = /^\d{1,9}(?:\.\d{1,9})?$/;
const WHOLE = /^\d{1,9}$/;

/** What is wrong with `value` under `rule`, or undefined when it is fine (or empty: the default). */
export function ruleProblem(name: string, rule: NumberRule, value: string | undefined): string | undefined {
  const text = (value ?? '').trim();
  if (text === '') return undefined;
  const n = Number(text);
  const inRange = (rule.aboveMin ? n > rule.min : n >= rule.min) && n <= rule.max;
  if ((rule.whole ? WHOLE : DECIMAL).test(text) && inRange) return undefined;
  const kind = rule.whole ? `a whole number of ${rule.unit}` : `a number of ${rule.unit}`;
  const range = rule.aboveMin ? `between ${rule.min} and ${rule.max}` : `from ${rule.min} to ${rule.max}`;
  // "0x10" or "1e3" is a number to JavaScript: say why it is refused all the same.
  const hint = Number.isFinite(n) && !DECIMAL.test(text) ? '; write plain decimal digits' : '';
  return `${name} must be ${kind} ${range} (got ${value}${hint})`;
}

/** The number `value` holds, or `fallback` when it is unset, empty, or wrong (then its problem is added). */
export function readRuled(
  name: string,
  rule: NumberRule,
  value: string | undefined,
  fallback: number,
  problems: string[],
): number {
  const problem = ruleProblem(name, rule, value);
  if (problem !== undefined) problems.push(problem);
  const text = (value ?? '').trim();
  return problem !== undefined || text === '' ? fallback : Number(text);
}

/** A numeric row's value, its own default when unset, empty or wrong (the problem added to `problems`). */
function readRow(row: SettingRow, value: string | undefined, problems: string[]): number {
  if (!row.range || row.default === undefined) {
    throw new TypeError(`${row.name} is not a numeric setting with a default`);
  }
  return readRuled(row.name, row.range, value, Number(row.default), problems);
}

/** A row in seconds, as milliseconds. */
export function readRowMs(row: SettingRow, value: string | undefined, problems: string[]): number {
  return Math.round(readRow(row, value, problems) * 1000);
}
