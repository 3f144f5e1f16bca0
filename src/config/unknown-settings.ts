/**
 * Names that look like settings but are none: a config file line, or an environment variable
 * with one of the project's prefixes, that the tool would silently ignore (`SLACK_WEBHOOK=` and
 * Slack never hears). Each is reported with the closest setting it may have meant.
 */
import { KNOWN_NAMES } from './settings-table.js';

/** Environment variables with these prefixes are taken as meant for this tool. */
const SETTING_PREFIXES = [
  'BELUGA_',
  'SLACK_',
  'DISCORD_',
  'TEAMS_',
  'TELEGRAM_',
  'SMTP_',
  'MAIL_',
  'WEBHOOK_',
  'NOTIFY_',
] as const;

export interface UnknownSetting {
  name: string;
  /** Where it was written: the config file (its path) or the environment. */
  source: { kind: 'file'; path: string } | { kind: 'env' };
  /** The known name it is closest to, when one is close enough to be a likely typo. */
  suggestion?: string;
}

/**
 * Every name in the config file, and every environment variable with a setting prefix, that is
 * not a setting, nor NAME_FILE of a secret setting, nor an environment-only name; in the order
 * given, file first. A name in both is reported once, for the file.
 */
export function unknownSettings(input: {
  env: Partial<Record<string, string>>;
  file?: { path: string; settings: Partial<Record<string, string>> };
}): UnknownSetting[] {
  const known = new Set(KNOWN_NAMES);
  const found: UnknownSetting[] = [];
  const seen = new Set<string>();
  const add = (name: string, source: UnknownSetting['source']) => {
    if (known.has(name) || seen.has(name)) return;
    seen.add(name);
    const suggestion = closestName(name);
    found.push(suggestion === undefined ? { name, source } : { name, source, suggestion });
  };
  const file = input.file;
  if (file) for (const name of Object.keys(file.settings)) add(name, { kind: 'file', path: file.path });
  for (const name of Object.keys(input.env)) {
    if (SETTING_PREFIXES.some((prefix) => name.startsWith(prefix))) add(name, { kind: 'env' });
  }
  return found;
}

/** The warning line for one unknown name. */
export function unknownSettingLine(u: UnknownSetting): string {
  return `warning: ${unknownSettingText(u)}`;
}

/** What is wrong with one unknown name, and the name it may have meant. */
export function unknownSettingText(u: UnknownSetting): string {
  const where = u.source.kind === 'file' ? `${u.name} in ${u.source.path}` : `environment variable ${u.name}`;
  const hint = u.suggestion ? `did you mean ${u.suggestion}?` : 'see docs/configuration.md for the settings';
  return `${where} is not a setting and is ignored; ${hint}`;
}

/**
 * The known name closest to `name` by edit distance (case ignored), when it is close enough to be
 * a typo: a third of the name's length, at least 2. A name one is a start of (SLACK_WEBHOOK for
 * SLACK_WEBHOOK_URL) counts as close, whatever the length it lacks.
 */
export function closestName(name: string): string | undefined {
  const upper = name.toUpperCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of KNOWN_NAMES) {
    const distance =
      candidate.startsWith(upper) && upper.length >= 6
        ? Math.min(2, editDistance(upper, candidate))
        : editDistance(upper, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  return best && best.distance <= limit ? best.name : undefined;
}

/** Damerau-Levenshtein (optimal string alignment): a swap of two neighbours is one edit. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
