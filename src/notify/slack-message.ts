/**
 * The Slack messages, as pure functions: the success message keeps the look users of the 2017
 * workflow know (green bar, "Renewed SSL certificate successfully", a Domain field, footer
 * "Certificate renewal") and adds expiry, Beluga id and host; failures get a red bar.
 */
import { FOOTER, type MessageFacts, type Tone } from './message-facts.js';

export interface SlackStyle {
  channel?: string;
  username?: string;
  iconEmoji?: string;
}

interface SlackField {
  title: string;
  value: string;
  short: boolean;
}

interface SlackAttachment {
  fallback: string;
  color: string;
  pretext: string;
  fields: SlackField[];
  footer: string;
  ts: number;
}

export interface SlackPayload {
  channel?: string;
  username?: string;
  icon_emoji?: string;
  text: string;
  attachments: SlackAttachment[];
}

const SUCCESS_COLOR = '#36a64f';
const FAILURE_COLOR = 'danger';
export const NEUTRAL_COLOR = '#a0a0a0';

/** Slack's only required escapes (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const COLORS: Record<Tone, string> = { success: SUCCESS_COLOR, failure: FAILURE_COLOR, neutral: NEUTRAL_COLOR };

/** The facts every notifier shows (message-facts.ts), drawn as Slack draws them; every text escaped here. */
export function slackPayload(m: MessageFacts, opts: SlackStyle): SlackPayload {
  const text = escapeSlack(m.summary);
  return {
    // Only legacy webhooks honour these; send them only when configured (reference/slack.md).
    ...(opts.channel ? { channel: opts.channel } : {}),
    ...(opts.username ? { username: opts.username } : {}),
    ...(opts.iconEmoji ? { icon_emoji: opts.iconEmoji } : {}),
    text,
    attachments: [
      {
        fallback: text,
        color: COLORS[m.tone],
        pretext: escapeSlack(m.title),
        fields: m.facts.map((f) => ({ title: escapeSlack(f.name), value: escapeSlack(f.value), short: f.short })),
        footer: escapeSlack(FOOTER),
        ts: Math.floor(m.at.getTime() / 1000),
      },
    ],
  };
}

/** How the message reads in Slack, one line each: pretext, fields, footer (for the demo). */
export function renderForTerminal(payload: SlackPayload): string[] {
  const lines: string[] = [];
  for (const a of payload.attachments ?? []) {
    lines.push(unescapeSlack(a.pretext));
    for (const f of a.fields) lines.push(`  ${unescapeSlack(f.title)}: ${unescapeSlack(f.value)}`);
    lines.push(`  -- ${unescapeSlack(a.footer)}`);
  }
  if (lines.length === 0) lines.push(unescapeSlack(payload.text));
  return lines;
}
