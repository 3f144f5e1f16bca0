/**
 * The readable text of a notification a sink accepted, whatever the service's payload shape (Slack
 * attachments, Discord embeds, a Teams card, a Telegram HTML text, a webhook event): for
 * `beluga-cert sandbox --show-messages`. It walks the payload and keeps the strings under the keys
 * services put text in, in order, once each; HTML tags go.
 */

const TEXT_KEYS = new Set([
  'pretext',
  'text',
  'content',
  'title',
  'description',
  'value',
  'fallback',
  'footer',
  'summary',
  'subject',
  'message',
  'reason',
]);
/** An event name (`certificate.deployed`) is text; a card's `type` (`TextBlock`) is not. */
const EVENT_TYPE = /^[a-z_]+\.[a-z_.]+$/;
/** Enough for any message this project sends; a hostile payload cannot flood the terminal. */
const MAX_LINES = 60;

export function messageText(payload: unknown): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  const walk = (value: unknown, key: string | undefined, depth: number): void => {
    if (lines.length >= MAX_LINES || depth > 8) return;
    if (typeof value === 'string') {
      if (key === undefined || !(TEXT_KEYS.has(key) || (key === 'type' && EVENT_TYPE.test(value)))) return;
      for (const line of value.replace(/<[^>]*>/g, '').split(/\r?\n/)) {
        const text = line.trim();
        if (text !== '' && !seen.has(text) && lines.length < MAX_LINES) {
          seen.add(text);
          lines.push(text);
        }
      }
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) walk(item, key, depth + 1);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k, depth + 1);
    }
  };
  walk(payload, undefined, 0);
  return lines;
}
