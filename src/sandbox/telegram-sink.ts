/**
 * The Telegram Bot API's `sendMessage` (and `getMe`) as Telegram answers: `{"ok": true, "result"}`
 * or `{"ok": false, "error_code", "description", "parameters"}`: 401 Unauthorized for a wrong
 * token, 404 Not Found for an unknown method, 400 "chat not found", "message text is empty",
 * "can't parse entities" (HTML that Telegram's parser refuses), "message is too long".
 */
import { randomBytes } from 'node:crypto';
import { parseJsonObject } from '../notify/post-with-retry.js';
import { jsonReply, type Reply } from './reply.js';
import { defineSink, type SinkRequest } from './sink-definition.js';

/** The one chat the bot may post to: a supergroup's id, not a secret. */
const CHAT_ID = '-1001234567890';

const TELEGRAM_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request: chat not found',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  500: 'Internal Server Error',
};

export const telegramSink = defineSink({
  name: 'telegram',
  title: 'Telegram',
  secrets: {
    token: {
      shape: /^7000000001:AA[A-Za-z0-9_-]{32}$/,
      make: () => `7000000001:AA${randomBytes(24).toString('base64url')}`,
    },
  },
  handle: (req, secrets, accept, ctx) =>
    handleTelegram(req, { token: secrets.token, chatId: CHAT_ID }, accept, ctx.nextId),
  errorReply: (status) => telegramError(status),
  // A 200 that is not a success: a client must read the body, not only the status.
  failedReply: () =>
    jsonReply(200, {
      ok: false,
      error_code: 400,
      description: 'Bad Request: the sandbox was told to fail this request',
    }),
  describe: (base, secrets) => ({ apiUrl: `${base}/telegram`, token: secrets.token, chatId: CHAT_ID }),
  settings: ({ apiUrl, token, chatId }) => [
    ['TELEGRAM_API_URL', apiUrl],
    ['TELEGRAM_BOT_TOKEN', token],
    ['TELEGRAM_CHAT_ID', chatId],
  ],
});

/** Telegram's `{ok: false}` answer; 429 carries the wait in `parameters.retry_after` (no header). */
function telegramError(status: number, description?: string, retryAfter = 1): Reply {
  const text =
    description ??
    (status === 429
      ? `Too Many Requests: retry after ${retryAfter}`
      : (TELEGRAM_DESCRIPTIONS[status] ?? `Error ${status}`));
  return jsonReply(status, {
    ok: false,
    error_code: status,
    description: text,
    ...(status === 429 ? { parameters: { retry_after: retryAfter } } : {}),
  });
}

/** The tags Telegram's HTML parse mode knows; anything else is refused. */
const TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'code',
  'pre',
  'a',
  'tg-spoiler',
  'span',
  'blockquote',
  'tg-emoji',
]);

function handleTelegram(
  req: SinkRequest,
  bot: { token: string; chatId: string },
  accept: (payload: unknown) => void,
  messageId: () => number,
): Reply {
  const m = /^\/telegram\/bot([^/]*)\/([A-Za-z]+)$/.exec(req.path);
  if (!m) return telegramError(404);
  if (m[1] !== bot.token) return telegramError(401);
  const method = (m[2] as string).toLowerCase();
  if (method === 'getme')
    return jsonReply(200, {
      ok: true,
      result: { id: Number(bot.token.split(':')[0]), is_bot: true, first_name: 'Sandbox bot' },
    });
  if (method !== 'sendmessage') return telegramError(404);
  const params = parseParams(req);
  if (!params) return telegramError(400, 'Bad Request: invalid JSON in the request body');
  const chatId = scalarText(params.chat_id);
  if (chatId === '') return telegramError(400, 'Bad Request: chat_id is empty');
  if (chatId !== bot.chatId) return telegramError(400, 'Bad Request: chat not found');
  const text = typeof params.text === 'string' ? params.text : '';
  if (text.trim() === '') return telegramError(400, 'Bad Request: message text is empty');
  let plain = text;
  if (scalarText(params.parse_mode).toUpperCase() === 'HTML') {
    const parsed = parseHtml(text);
    if ('error' in parsed) return telegramError(400, `Bad Request: can't parse entities: ${parsed.error}`);
    plain = parsed.plain;
  }
  if (plain.length > 4096) return telegramError(400, 'Bad Request: message is too long');
  accept(params);
  return jsonReply(200, {
    ok: true,
    result: {
      message_id: messageId(),
      date: Math.floor(Date.now() / 1000),
      chat: { id: Number(chatId), type: 'supergroup' },
      text: plain,
    },
  });
}

function parseParams(req: SinkRequest): Record<string, unknown> | undefined {
  const media = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const body = req.body.toString('utf8');
  if (media === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(body));
  return parseJsonObject(body);
}

/** Telegram's HTML rules: known tags, properly nested; `&` only as &lt; &gt; &amp; &quot; or a numeric entity. */
export function parseHtml(text: string): { plain: string } | { error: string } {
  const open: string[] = [];
  let plain = '';
  const token = /<(\/?)([a-zA-Z-]*)[^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[<>&]|[^<>&]+/g;
  for (const m of text.matchAll(token)) {
    const at = Buffer.byteLength(text.slice(0, m.index));
    const whole = m[0];
    if (whole.startsWith('<') && m[2] !== undefined && whole.length > 1) {
      const name = m[2].toLowerCase();
      if (!TAGS.has(name)) return { error: `Unsupported start tag "${name}" at byte offset ${at}` };
      if (m[1]) {
        if (open.pop() !== name)
          return { error: `Can't find end tag corresponding to start tag "${name}" at byte offset ${at}` };
      } else open.push(name);
    } else if (m[3] !== undefined) {
      if (!m[3].startsWith('#') && !['lt', 'gt', 'amp', 'quot'].includes(m[3]))
        return { error: `Character entity "&${m[3]};" is unsupported at byte offset ${at}` };
      const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
      plain +=
        named[m[3]] ??
        String.fromCodePoint(m[3].startsWith('#x') ? parseInt(m[3].slice(2), 16) : Number(m[3].slice(1)));
    } else if (whole === '<' || whole === '>' || whole === '&') {
      return { error: `Unexpected character "${whole}" at byte offset ${at}; escape it as an entity` };
    } else plain += whole;
  }
  if (open.length > 0) return { error: `Can't find end tag corresponding to start tag "${open[open.length - 1]}"` };
  return { plain };
}

/** A parameter as the Bot API reads it: a string or a number; anything else counts as absent. */
function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}
