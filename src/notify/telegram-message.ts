/**
 * The Telegram message, as pure functions: `sendMessage` parameters with `parse_mode: HTML`, the
 * title in bold, then one line per field. Telegram's HTML wants only `&`, `<`, `>` escaped (as
 * &amp; &lt; &gt;); an unescaped one makes it refuse the whole message ("can't parse entities").
 */
import type { MessageFacts, Tone } from './message-facts.js';

export interface TelegramPayload {
  chat_id: string;
  text: string;
  parse_mode: 'HTML';
  link_preview_options: { is_disabled: true };
}

/** Telegram's limit on a message's text (after entities are parsed). */
export const TELEGRAM_TEXT_MAX = 4096;

const MARKS: Record<Tone, string> = { success: '✅', failure: '❌', neutral: 'ℹ️' };

export function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Any event's facts as `sendMessage` parameters for the chat `chatId`. */
export function telegramPayload(m: MessageFacts, chatId: string): TelegramPayload {
  const lines = [`${MARKS[m.tone]} <b>${escapeTelegramHtml(m.title)}</b>`];
  for (const f of m.facts) {
    // A multi-line value (a sync's list) goes below its name.
    const value = escapeTelegramHtml(f.value);
    lines.push(
      f.value.includes('\n')
        ? `<b>${escapeTelegramHtml(f.name)}:</b>\n${value}`
        : `<b>${escapeTelegramHtml(f.name)}:</b> ${value}`,
    );
  }
  lines.push(`<i>${escapeTelegramHtml(m.footer)}</i>`);
  return {
    chat_id: chatId,
    text: fit(lines, m.summary),
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  };
}

/** Drops whole lines from the end of the longest field until the text fits, so no tag is ever cut in half. */
function fit(lines: string[], summary: string): string {
  let text = lines.join('\n');
  if (text.length <= TELEGRAM_TEXT_MAX) return text;
  const footer = lines[lines.length - 1] as string;
  const body = lines.slice(0, -1).join('\n').split('\n');
  while (body.length > 1 && `${body.join('\n')}\n…\n${footer}`.length > TELEGRAM_TEXT_MAX) body.pop();
  text = `${body.join('\n')}\n…\n${footer}`;
  // One line longer than the limit on its own: the plain summary, cut before escaping.
  return text.length <= TELEGRAM_TEXT_MAX ? text : escapeTelegramHtml(`${summary.slice(0, 3000)}…`);
}
