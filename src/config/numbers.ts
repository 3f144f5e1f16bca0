/**
 * Every numeric setting, with its range, and the one parser for them all. Only plain decimal is
 * a number here: Number() would also take "0x10", "1e3", "Infinity" and " " (as 0), which no
 * one means in a config file.
 */

interface NumberRule {
  unit: 'seconds' | 'attempts';
  min: number;
  max: number;
  /** The minimum itself is not allowed (a timeout of 0). */
  aboveMin?: boolean;
  /** Only whole numbers (no decimal point). */
  whole?: boolean;
}

export const NUMBER_SETTINGS: Readonly<Record<string, NumberRule>> = {
  BELUGA_TIMEOUT: { unit: 'seconds', min: 0, max: 600, aboveMin: true },
  BELUGA_RETRIES: { unit: 'attempts', min: 1, max: 10, whole: true },
  BELUGA_RUN_BUDGET: { unit: 'seconds', min: 5, max: 3600 },
  BELUGA_VERIFY_TIMEOUT: { unit: 'seconds', min: 1, max: 600 },
  SLACK_TIMEOUT: { unit: 'seconds', min: 0, max: 600, aboveMin: true },
  NOTIFY_TIMEOUT: { unit: 'seconds', min: 0, max: 600, aboveMin: true },
  SMTP_TIMEOUT: { unit: 'seconds', min: 0, max: 600, aboveMin: true },
};

const DECIMAL = /^\d{1,9}(?:\.\d{1,9})?$/;
const WHOLE = /^\d{1,9}$/;

/** What is wrong with `value` for the numeric setting `name`, or undefined when it is fine (or empty: the default). */
export function numberProblem(name: string, value: string | undefined): string | undefined {
  const rule = NUMBER_SETTINGS[name];
  if (rule === undefined) throw new TypeError(`${name} is not a numeric setting`);
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

/** The setting's number, or `fallback` when it is unset, empty, or wrong (then its problem is added to `problems`). */
export function readNumber(name: string, value: string | undefined, fallback: number, problems: string[]): number {
  const problem = numberProblem(name, value);
  if (problem !== undefined) problems.push(problem);
  const text = (value ?? '').trim();
  return problem !== undefined || text === '' ? fallback : Number(text);
}

/** A setting in seconds as milliseconds; `fallbackS` when unset, empty or wrong (its problem added to `problems`). */
export function readSecondsMs(name: string, value: string | undefined, fallbackS: number, problems: string[]): number {
  return Math.round(readNumber(name, value, fallbackS, problems) * 1000);
}
