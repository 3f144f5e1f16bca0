/**
 * One finding of `beluga-cert doctor`: how bad it is, what was checked, and one line saying what
 * is wrong and how to fix it. `info` is news that is never a failure (the edge, a skipped check).
 */

export type CheckLevel = 'ok' | 'info' | 'warn' | 'FAIL';

export interface Check {
  level: CheckLevel;
  /** What was checked: `settings`, `credentials`, `notifier slack`, `store --lego-path /x`... */
  check: string;
  text: string;
}

export const check = (level: CheckLevel, name: string, text: string): Check => ({ level, check: name, text });

/** The line a person reads: the level in a fixed width, so the lines align. */
export function checkLine(c: Check): string {
  return `${c.level.padEnd(4)} ${c.check}: ${c.text}`;
}

/** How many checks of each level. */
export function countLevels(checks: Check[]): Record<CheckLevel, number> {
  const counts: Record<CheckLevel, number> = { ok: 0, info: 0, warn: 0, FAIL: 0 };
  for (const c of checks) counts[c.level] += 1;
  return counts;
}
