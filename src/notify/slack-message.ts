/**
 * The Slack messages, as pure functions: the success message keeps the look users of the 2017
 * workflow know (green bar, "Renewed SSL certificate successfully", a Domain field, footer
 * "Certificate renewal") and adds expiry, Beluga id and host; failures get a red bar.
 */
import {
  expiryFacts,
  failureFacts,
  FOOTER,
  skippedFacts,
  successFacts,
  syncFacts,
  testFacts,
  type MessageFacts,
  type Tone,
} from './message-facts.js';
import type { ExpiryEvent, FailureEvent, SkippedEvent, SuccessEvent, SyncEvent, TestEvent } from './types.js';

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

export function successMessage(event: SuccessEvent, opts: SlackStyle): SlackPayload {
  return fromFacts(successFacts(event), opts);
}

export function failureMessage(event: FailureEvent, opts: SlackStyle): SlackPayload {
  return fromFacts(failureFacts(event), opts);
}

/** Sent only at NOTIFY_LEVEL=all: a renewal hook ran, but the CDN already had this certificate. */
export function skippedMessage(event: SkippedEvent, opts: SlackStyle): SlackPayload {
  return fromFacts(skippedFacts(event), opts);
}

/** `beluga-cert notify-test`: says what it is, so nobody mistakes it for a deploy. */
export function testMessage(event: TestEvent, opts: SlackStyle): SlackPayload {
  return fromFacts(testFacts(event), opts);
}

/** `beluga-cert expiry`: what the edge serves that expires soon. */
export function expiryMessage(event: ExpiryEvent, opts: SlackStyle): SlackPayload {
  return fromFacts(expiryFacts(event), opts);
}

/** The one message of a sync run: what was deployed, what failed, what was left as it was. */
export function syncMessage(event: SyncEvent, opts: SlackStyle): SlackPayload {
  return fromFacts(syncFacts(event), opts);
}

const COLORS: Record<Tone, string> = { success: SUCCESS_COLOR, failure: FAILURE_COLOR, neutral: NEUTRAL_COLOR };

/** The facts every notifier shows (message-facts.ts), drawn as Slack draws them. */
function fromFacts(m: MessageFacts, opts: SlackStyle): SlackPayload {
  return build(
    opts,
    m.summary,
    COLORS[m.tone],
    m.title,
    m.facts.map((f) => ({ title: f.name, value: f.value, short: f.short })),
    m.at,
  );
}

/** Assembles the payload and escapes every text field in one place, so none is forgotten. */
function build(
  opts: SlackStyle,
  summary: string,
  color: string,
  pretext: string,
  fields: SlackField[],
  at: Date,
): SlackPayload {
  const text = escapeSlack(summary);
  return {
    // Only legacy webhooks honour these; send them only when configured (reference/slack.md).
    ...(opts.channel ? { channel: opts.channel } : {}),
    ...(opts.username ? { username: opts.username } : {}),
    ...(opts.iconEmoji ? { icon_emoji: opts.iconEmoji } : {}),
    text,
    attachments: [
      {
        fallback: text,
        color,
        pretext: escapeSlack(pretext),
        fields: fields.map((f) => ({ title: escapeSlack(f.title), value: escapeSlack(f.value), short: f.short })),
        footer: escapeSlack(FOOTER),
        ts: Math.floor(at.getTime() / 1000),
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
