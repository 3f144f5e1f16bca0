/**
 * The Discord notifier: executes a webhook (POST, 204 No Content is success), retries 429 after
 * the `retry_after` seconds Discord puts in its JSON body, and 5xx; other answers are final and
 * reported as Discord's `{message, code}`. The webhook URL holds its token: it is never shown.
 */
import type { HttpResponse } from '../http.js';
import { createRedactor } from '../redact.js';
import { discordPayload } from './discord-message.js';
import { drawFacts } from './notifier-from.js';
import { notifierConfig, secretUrl, type NotifyLimits } from './notify-settings.js';
import { answerText, httpNotifier, parseJsonObject, transient, type Verdict } from './post-with-retry.js';
import type { NotifierSettings } from './definition.js';
import type { Notifier, NotifierDeps } from './types.js';
import type { DISCORD_ROWS } from './discord/settings.js';

type DiscordSettings = NotifierSettings<typeof DISCORD_ROWS>;

export interface DiscordConfig extends NotifyLimits {
  webhookUrl: string;
  username?: string;
}

/** Reads DISCORD_WEBHOOK_URL (a secret, or _FILE), DISCORD_USERNAME and NOTIFY_TIMEOUT; throws CONFIG naming every problem. */
export function discordConfig(s: DiscordSettings): DiscordConfig {
  return notifierConfig(s, (problems) => ({
    webhookUrl: secretUrl(s, 'DISCORD_WEBHOOK_URL', problems),
    // Optional: the name the message is posted under (default: the webhook's own name).
    username: s.DISCORD_USERNAME || undefined,
  }));
}

export function createDiscordNotifier(config: DiscordConfig, deps: NotifierDeps): Notifier {
  const hide = createRedactor([config.webhookUrl], { label: '[Discord webhook URL]' });
  const render = drawFacts((facts) => discordPayload(facts, config.username));
  return httpNotifier({ name: 'discord', url: config.webhookUrl, hide, judge: judgeDiscord, render }, config, deps);
}

/** 204 (or 200 with the message, when `?wait=true` is in the URL) is success; errors are `{message, code}`. */
export function judgeDiscord(res: HttpResponse, hide: (text: string) => string): Verdict {
  if (res.status === 204 || (res.status === 200 && parseJsonObject(res.text)?.id !== undefined))
    return { kind: 'sent' };
  const body = parseJsonObject(res.text);
  const message = typeof body?.message === 'string' ? body.message : undefined;
  const said =
    message === undefined
      ? undefined
      : `${message}${typeof body?.code === 'number' && body.code !== 0 ? ` (${body.code})` : ''}`;
  // Discord's wait is in the body, in seconds (a float); the Retry-After header rounds it.
  return transient(res, answerText(res, hide, said), body?.retry_after);
}

/** The registry's way in: the notifier its settings describe (it is only loaded when they are set). */
export function createFromSettings(s: DiscordSettings, deps: NotifierDeps): Notifier {
  return createDiscordNotifier(discordConfig(s), deps);
}
