/**
 * The Discord notifier: executes a webhook (POST, 204 No Content is success), retries 429 after
 * the `retry_after` seconds Discord puts in its JSON body, and 5xx; other answers are final and
 * reported as Discord's `{message, code}`. The webhook URL holds its token: it is never shown.
 */
import { checkUrl } from '../config/check-url.js';
import type { HttpResponse } from '../http.js';
import { createRedactor } from '../redact.js';
import {
  discordExpiry,
  discordFailure,
  discordSkipped,
  discordSuccess,
  discordSync,
  discordTest,
} from './discord-message.js';
import { NOTIFY_ATTEMPTS, readNotifyTimeoutMs, throwProblems } from './notify-settings.js';
import {
  answerText,
  createPoster,
  parseJsonObject,
  secondsToWaitMs,
  transient,
  type Verdict,
} from './post-with-retry.js';
import type { NotifierSettings } from './definition.js';
import type { Notifier, NotifierDeps } from './types.js';
import type { DISCORD_ROWS } from './discord/settings.js';

export const DISCORD_WEBHOOK_URL = 'DISCORD_WEBHOOK_URL';
/** Optional: the name the message is posted under (default: the webhook's own name). */
export const DISCORD_USERNAME = 'DISCORD_USERNAME';

type DiscordSettings = NotifierSettings<typeof DISCORD_ROWS>;

export interface DiscordConfig {
  webhookUrl: string;
  username?: string;
  timeoutMs: number;
  maxAttempts: number;
}

/** Reads DISCORD_WEBHOOK_URL (a secret, or _FILE), DISCORD_USERNAME and NOTIFY_TIMEOUT; throws CONFIG naming every problem. */
export function discordConfig(s: DiscordSettings): DiscordConfig {
  const problems: string[] = [];
  const webhookUrl = s[DISCORD_WEBHOOK_URL] ?? '';
  if (!webhookUrl) problems.push(`missing setting: ${DISCORD_WEBHOOK_URL}`);
  else checkUrl(DISCORD_WEBHOOK_URL, webhookUrl, problems, true);
  const timeoutMs = readNotifyTimeoutMs(s, problems);
  throwProblems(problems);
  return { webhookUrl, username: s[DISCORD_USERNAME] || undefined, timeoutMs, maxAttempts: NOTIFY_ATTEMPTS };
}

export function createDiscordNotifier(config: DiscordConfig, deps: NotifierDeps): Notifier {
  const send = createPoster(
    {
      notifier: 'discord',
      url: config.webhookUrl,
      timeoutMs: config.timeoutMs,
      maxAttempts: config.maxAttempts,
      hide: createRedactor([config.webhookUrl], { label: '[Discord webhook URL]' }),
      judge: judgeDiscord,
    },
    deps,
  );
  const u = config.username;
  return {
    name: 'discord',
    success: (event) => send(() => discordSuccess(event, u)),
    failure: (event) => send(() => discordFailure(event, u)),
    sync: (event) => send(() => discordSync(event, u)),
    skipped: (event) => send(() => discordSkipped(event, u)),
    test: (event) => send(() => discordTest(event, u)),
    expiry: (event) => send(() => discordExpiry(event, u)),
  };
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
  return transient(
    res,
    answerText(res, hide, said),
    res.status === 429 ? secondsToWaitMs(body?.retry_after) : undefined,
  );
}

/** The registry's way in: the notifier its settings describe (it is only loaded when they are set). */
export function createFromSettings(s: DiscordSettings, deps: NotifierDeps): Notifier {
  return createDiscordNotifier(discordConfig(s), deps);
}
