/**
 * The notifiers by name, each with the settings that switch it on and a constructor that loads
 * its module only when it is configured (a hook run pays for nothing it does not send). Any
 * number may be on at once; every problem in their settings is named in one CONFIG error.
 */
import type { RawSettings, Settings } from '../config/settings.js';
import { isHookError } from '../errors.js';
import { parseNotifyLevel, type NotifyLevel } from './level.js';
import { NOTIFIER_DEFINITIONS } from './notifiers.js';
import { redactingNotifier } from './redacting-notifier.js';
import type { Notifier, NotifierDeps } from './types.js';
import { settingsError } from '../config/settings-error.js';

export type { NotifierDeps } from './types.js';

export interface NotifierEntry {
  name: string;
  /** Any of these set switches the notifier on (then its other required settings must be set too). */
  enabledBy: readonly string[];
  /** How a person turns it on, for the message when none is configured. */
  howToEnable: string;
  /** The notifier, or undefined when its settings say off; throws a CONFIG HookError for bad settings. */
  create(settings: Settings, deps: NotifierDeps): Promise<Notifier | undefined>;
}

/** The notifiers' definitions as the registry uses them: each module is loaded only when it is configured. */
export const NOTIFIERS: readonly NotifierEntry[] = NOTIFIER_DEFINITIONS.map((d) => ({
  name: d.name,
  enabledBy: d.enabledBy,
  howToEnable: d.howToEnable,
  create: async (settings: Settings, deps: NotifierDeps) => (await d.load()).createFromSettings(settings, deps),
}));

/** The names of the notifiers whose settings are present (without loading any of them). */
export function configuredNames(settings: RawSettings, entries: readonly NotifierEntry[] = NOTIFIERS): string[] {
  return entries.filter((e) => e.enabledBy.some((name) => Boolean(settings[name]))).map((e) => e.name);
}

/** "SLACK_WEBHOOK_URL (slack), ...": what turns each notifier on. */
export function howToEnableAny(entries: readonly NotifierEntry[] = NOTIFIERS): string {
  return entries.map((e) => `${e.howToEnable} (${e.name})`).join(', ');
}

/**
 * The configured notifiers, in registry order, and NOTIFY_LEVEL. Reads NOTIFY_LEVEL and, for
 * each notifier switched on, its own settings (see each module's constants). Throws one CONFIG
 * error naming every problem of every notifier.
 */
export async function buildNotifiers(
  settings: RawSettings,
  deps: NotifierDeps,
  entries: readonly NotifierEntry[] = NOTIFIERS,
): Promise<{ notifiers: Notifier[]; level: NotifyLevel }> {
  const problems: string[] = [];
  const level = parseNotifyLevel(settings.NOTIFY_LEVEL, problems);
  const wanted = new Set(configuredNames(settings, entries));
  const built = await Promise.all(
    entries
      .filter((e) => wanted.has(e.name))
      .map(async (e) => {
        try {
          // Each notifier reads only its own names, typed by its rows; the registry hands over the whole map.
          return await e.create(settings as Settings, deps);
        } catch (err) {
          if (isHookError(err) && err.code === 'CONFIG') problems.push(err.message);
          else throw err;
          return undefined;
        }
      }),
  );
  if (problems.length > 0) {
    throw settingsError(problems);
  }
  const notifiers = built.filter((n): n is Notifier => n !== undefined);
  const { redact } = deps;
  return { notifiers: redact ? notifiers.map((n) => redactingNotifier(n, redact)) : notifiers, level };
}
