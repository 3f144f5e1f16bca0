/**
 * The notifiers by name, each with the settings that switch it on and a constructor that loads
 * its module only when it is configured (a hook run pays for nothing it does not send). Any
 * number may be on at once; every problem in their settings is named in one CONFIG error.
 */
import { buildSlackConfig } from '../config/build-config.js';
import type { Settings } from '../config/settings.js';
import { HookError, isHookError } from '../errors.js';
import type { HttpClient } from '../http.js';
import type { Redactor } from '../redact.js';
import { buildEmailConfig, EMAIL_SETTINGS } from './email-config.js';
import { parseNotifyLevel, type NotifyLevel } from './level.js';
import { redactingNotifier } from './redacting-notifier.js';
import type { Notifier } from './types.js';

export interface NotifierDeps {
  http: HttpClient;
  /** Injected so tests can skip real waits. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms (Date.now() clock) when the run's budget ends: retries stop in time. */
  deadline?: number;
  /** The backoff's jitter; tests inject a fixed one. */
  random?: () => number;
  /** The run's redaction filter (Output.redact): every event passes it before any notifier sees it. */
  redact?: Redactor;
}

export interface NotifierEntry {
  name: string;
  /** Any of these set switches the notifier on (then its other required settings must be set too). */
  enabledBy: readonly string[];
  /** How a person turns it on, for the message when none is configured. */
  howToEnable: string;
  /** The notifier, or undefined when its settings say off; throws a CONFIG HookError for bad settings. */
  create(settings: Settings, deps: NotifierDeps): Promise<Notifier | undefined>;
}

export const NOTIFIERS: readonly NotifierEntry[] = [
  {
    name: 'slack', enabledBy: ['SLACK_WEBHOOK_URL'], howToEnable: 'SLACK_WEBHOOK_URL',
    create: async (s, deps) => {
      const config = buildSlackConfig(s);
      return config && (await import('./slack.js')).createSlackNotifier(config, deps);
    },
  },
  {
    name: 'discord', enabledBy: ['DISCORD_WEBHOOK_URL'], howToEnable: 'DISCORD_WEBHOOK_URL',
    create: async (s, deps) => {
      const m = await import('./discord.js');
      return m.createDiscordNotifier(m.discordConfig(s), deps);
    },
  },
  {
    name: 'teams', enabledBy: ['TEAMS_WEBHOOK_URL'], howToEnable: 'TEAMS_WEBHOOK_URL',
    create: async (s, deps) => {
      const m = await import('./teams.js');
      return m.createTeamsNotifier(m.teamsConfig(s), deps);
    },
  },
  {
    name: 'telegram', enabledBy: ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_CHAT_ID'], howToEnable: 'TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID',
    create: async (s, deps) => {
      const m = await import('./telegram.js');
      return m.createTelegramNotifier(m.telegramConfig(s), deps);
    },
  },
  {
    name: 'email', enabledBy: EMAIL_SETTINGS, howToEnable: 'SMTP_URL (or SMTP_HOST), MAIL_FROM and MAIL_TO',
    create: async (s, deps) => {
      const config = buildEmailConfig(s); // cheap: nodemailer is imported only by the first send
      return config && (await import('./email.js')).createEmailNotifier(config, deps);
    },
  },
  {
    name: 'webhook', enabledBy: ['WEBHOOK_URL', 'WEBHOOK_SECRET'], howToEnable: 'WEBHOOK_URL',
    create: async (s, deps) => {
      const m = await import('./webhook.js');
      return m.createWebhookNotifier(m.webhookConfig(s), deps);
    },
  },
];

/** The names of the notifiers whose settings are present (without loading any of them). */
export function configuredNames(settings: Settings, entries: readonly NotifierEntry[] = NOTIFIERS): string[] {
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
  settings: Settings,
  deps: NotifierDeps,
  entries: readonly NotifierEntry[] = NOTIFIERS,
): Promise<{ notifiers: Notifier[]; level: NotifyLevel }> {
  const problems: string[] = [];
  const level = parseNotifyLevel(settings.NOTIFY_LEVEL, problems);
  const wanted = new Set(configuredNames(settings, entries));
  const built = await Promise.all(entries.filter((e) => wanted.has(e.name)).map(async (e) => {
    try {
      return await e.create(settings, deps);
    } catch (err) {
      if (isHookError(err) && err.code === 'CONFIG') problems.push(err.message);
      else throw err;
      return undefined;
    }
  }));
  if (problems.length > 0) {
    throw new HookError('CONFIG', `${problems.join('; ')}; set them in the environment or in the config file (BELUGA_HOOK_CONFIG)`);
  }
  const notifiers = built.filter((n): n is Notifier => n !== undefined);
  const { redact } = deps;
  return { notifiers: redact ? notifiers.map((n) => redactingNotifier(n, redact)) : notifiers, level };
}
