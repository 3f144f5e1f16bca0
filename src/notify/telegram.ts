/**
 * The Telegram notifier: the Bot API's `sendMessage` (POST {api}/bot<token>/sendMessage). Success
 * is HTTP 200 with `{"ok": true}`; failures are `{"ok": false, "error_code", "description",
 * "parameters"}`: 429 waits `parameters.retry_after` seconds, 5xx is retried, 400 "chat not
 * found" and 401/404 (a wrong token) are final. The token sits in the URL path: never shown.
 */
import { checkUrl } from '../config/check-url.js';
import { rowNamed } from '../config/setting-row.js';
import type { HttpResponse } from '../http.js';
import { createRedactor } from '../redact.js';
import { drawFacts } from './notifier-from.js';
import { notifierConfig, type NotifyLimits } from './notify-settings.js';
import { answerText, httpNotifier, parseJsonObject, transient, type Verdict } from './post-with-retry.js';
import type { NotifierSettings } from './definition.js';
import { telegramPayload } from './telegram-message.js';
import type { Notifier, NotifierDeps } from './types.js';
import { TELEGRAM_ROWS } from './telegram/settings.js';

export const TELEGRAM_BOT_TOKEN = 'TELEGRAM_BOT_TOKEN';
export const TELEGRAM_CHAT_ID = 'TELEGRAM_CHAT_ID';
/** The Bot API's base URL: a local Bot API server, or the sandbox in tests. */
export const TELEGRAM_API_URL = 'TELEGRAM_API_URL';
export const DEFAULT_TELEGRAM_API_URL = rowNamed(TELEGRAM_ROWS, TELEGRAM_API_URL).default!;

type TelegramSettings = NotifierSettings<typeof TELEGRAM_ROWS>;

export interface TelegramConfig extends NotifyLimits {
  botToken: string;
  chatId: string;
  apiUrl: string;
}

/** A bot token is `<bot id>:<secret>`; a chat is a number (-100… for channels) or `@channelname`. */
const TOKEN = /^\d+:[A-Za-z0-9_-]{20,}$/;
const CHAT = /^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/;

/**
 * Reads TELEGRAM_BOT_TOKEN (a secret, or _FILE), TELEGRAM_CHAT_ID, TELEGRAM_API_URL (default
 * https://api.telegram.org) and NOTIFY_TIMEOUT; throws CONFIG naming every problem.
 */
export function telegramConfig(s: TelegramSettings): TelegramConfig {
  return notifierConfig(s, (problems) => {
    const botToken = s[TELEGRAM_BOT_TOKEN] ?? '';
    const chatId = (s[TELEGRAM_CHAT_ID] ?? '').trim();
    if (!botToken)
      problems.push(
        `missing setting: ${TELEGRAM_BOT_TOKEN} (from @BotFather; Telegram needs it with ${TELEGRAM_CHAT_ID})`,
      );
    else if (!TOKEN.test(botToken))
      problems.push(
        `${TELEGRAM_BOT_TOKEN} is not a bot token (digits, a colon, then the secret part, as @BotFather gives it)`,
      );
    if (!chatId) problems.push(`missing setting: ${TELEGRAM_CHAT_ID} (the chat, group or channel to post to)`);
    else if (!CHAT.test(chatId))
      problems.push(`${TELEGRAM_CHAT_ID} must be a numeric chat id or @channelname (got ${chatId})`);
    const apiUrl = checkUrl(TELEGRAM_API_URL, s[TELEGRAM_API_URL] || DEFAULT_TELEGRAM_API_URL, problems).replace(
      /\/+$/,
      '',
    );
    return { botToken, chatId, apiUrl };
  });
}

export function createTelegramNotifier(config: TelegramConfig, deps: NotifierDeps): Notifier {
  const url = `${config.apiUrl}/bot${config.botToken}/sendMessage`;
  const secretPart = config.botToken.slice(config.botToken.indexOf(':') + 1);
  const hide = createRedactor([url, config.botToken, secretPart], { label: '[Telegram bot token]' });
  const render = drawFacts((facts) => telegramPayload(facts, config.chatId));
  return httpNotifier({ name: 'telegram', url, hide, judge: judgeTelegram, render }, config, deps);
}

/** A 200 is not enough: the body must say `"ok": true` (a proxy page is not Telegram). */
export function judgeTelegram(res: HttpResponse, hide: (text: string) => string): Verdict {
  const body = parseJsonObject(res.text);
  if (res.status === 200 && body?.ok === true) return { kind: 'sent' };
  const said = typeof body?.description === 'string' ? body.description : undefined;
  const parameters = body?.parameters as { retry_after?: unknown } | undefined;
  // Telegram's wait is in the body; it sends no Retry-After header.
  return transient(res, answerText(res, hide, said), parameters?.retry_after);
}

/** The registry's way in: the notifier its settings describe (it is only loaded when they are set). */
export function createFromSettings(s: TelegramSettings, deps: NotifierDeps): Notifier {
  return createTelegramNotifier(telegramConfig(s), deps);
}
