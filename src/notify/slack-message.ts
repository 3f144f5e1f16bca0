/**
 * The Slack messages, as pure functions: the success message keeps the look users of the 2017
 * workflow know (green bar, "Renewed SSL certificate successfully", a Domain field, footer
 * "Certificate renewal") and adds expiry, Beluga id and host; failures get a red bar.
 */
import { oneLine } from '../errors.js';
import type { FailureEvent, SkippedEvent, SuccessEvent, SyncEvent, TestEvent } from './types.js';

export interface SlackStyle {
  channel?: string;
  username?: string;
  iconEmoji?: string;
}

export interface SlackField {
  title: string;
  value: string;
  short: boolean;
}

export interface SlackAttachment {
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

export const SUCCESS_COLOR = '#36a64f';
export const FAILURE_COLOR = 'danger';
export const SUCCESS_PRETEXT = 'Renewed SSL certificate successfully';
export const FAILURE_PRETEXT = 'SSL certificate deployment failed';
export const FOOTER = 'Certificate renewal';
export const NEUTRAL_COLOR = '#a0a0a0';
export const SKIPPED_PRETEXT = 'SSL certificate already deployed';
export const TEST_PRETEXT = 'Test message from beluga-cert';

const DAY_MS = 86_400_000;

/** Slack's only required escapes (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** `2027-01-01 12:00 UTC`: minutes are enough for a person, and UTC avoids host time zones. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Whole days from `at` to `notAfter`, rounded down, with the word that fits. */
export function daysLeft(notAfter: Date, at: Date): string {
  const days = Math.floor((notAfter.getTime() - at.getTime()) / DAY_MS);
  if (days < 0) return 'expired';
  return days === 1 ? '1 day left' : `${days} days left`;
}

export function successMessage(event: SuccessEvent, opts: SlackStyle): SlackPayload {
  const created = event.action === 'created';
  const idNote = created ? `${event.belugaId}, created` : event.belugaId;
  const recovered = event.recovered
    ? `recovered after ${event.recovered.failedAttempts} failed attempt(s) since ${formatUtc(event.recovered.since)}`
    : undefined;
  const summary =
    `Renewed SSL certificate for ${event.domain} on Beluga (id ${idNote}), ` +
    `expires ${event.notAfter.toISOString().slice(0, 10)} on host ${event.host}${recovered ? `; ${recovered}` : ''}`;
  const fields: SlackField[] = [
    { title: 'Domain', value: event.domain, short: true },
    { title: 'Expires', value: `${formatUtc(event.notAfter)} (${daysLeft(event.notAfter, event.at)})`, short: true },
    { title: 'Beluga id', value: created ? `${event.belugaId} (created)` : event.belugaId, short: true },
    { title: 'Host', value: event.host, short: true },
  ];
  if (recovered) fields.push({ title: 'Recovered', value: recovered, short: false });
  if (event.edge) fields.push({ title: 'Edge', value: oneLine(event.edge.text), short: false });
  return build(opts, summary, SUCCESS_COLOR, SUCCESS_PRETEXT, fields, event.at);
}

export function failureMessage(event: FailureEvent, opts: SlackStyle): SlackPayload {
  const error = `${oneLine(event.error)} (${event.code})`;
  const where = event.domain ? ` for ${event.domain}` : '';
  const pending = event.pending ? `; ${oneLine(event.pending)}` : '';
  const summary = `${FAILURE_PRETEXT}${where} on host ${event.host}: ${error}${pending}`;
  const fields: SlackField[] = [];
  if (event.domain) fields.push({ title: 'Domain', value: event.domain, short: true });
  fields.push({ title: 'Host', value: event.host, short: true });
  fields.push({ title: 'Error', value: error, short: false });
  if (event.pending) fields.push({ title: 'Pending', value: oneLine(event.pending), short: false });
  return build(opts, summary, FAILURE_COLOR, FAILURE_PRETEXT, fields, event.at);
}

/** Sent only at NOTIFY_LEVEL=all: a renewal hook ran, but the CDN already had this certificate. */
export function skippedMessage(event: SkippedEvent, opts: SlackStyle): SlackPayload {
  const summary = `SSL certificate for ${event.domain} is already deployed, nothing sent (host ${event.host}): ${oneLine(event.reason)}`;
  const fields: SlackField[] = [
    { title: 'Domain', value: event.domain, short: true },
    { title: 'Expires', value: `${formatUtc(event.notAfter)} (${daysLeft(event.notAfter, event.at)})`, short: true },
    { title: 'Host', value: event.host, short: true },
    { title: 'Why', value: oneLine(event.reason), short: false },
  ];
  return build(opts, summary, NEUTRAL_COLOR, SKIPPED_PRETEXT, fields, event.at);
}

/** `beluga-cert notify-test`: says what it is, so nobody mistakes it for a deploy. */
export function testMessage(event: TestEvent, opts: SlackStyle): SlackPayload {
  const summary = `Test message from beluga-cert on host ${event.host}: this notifier works`;
  return build(opts, summary, NEUTRAL_COLOR, TEST_PRETEXT, [{ title: 'Host', value: event.host, short: true }], event.at);
}

const LISTED = 20; // a Slack field stays readable; the rest is counted

/** The one message of a sync run: what was deployed, what failed, what was left as it was. */
export function syncMessage(event: SyncEvent, opts: SlackStyle): SlackPayload {
  const { deployed, failed } = event;
  const counts = `${deployed.length} deployed, ${failed.length} failed, ${event.unchanged} unchanged, ${event.unmapped} unmapped`;
  const summary = `Certificate sync on host ${event.host}: ${counts}`;
  const list = (lines: string[]) => lines.slice(0, LISTED).join('\n') + (lines.length > LISTED ? `\n… and ${lines.length - LISTED} more` : '');
  const fields: SlackField[] = [];
  if (deployed.length > 0) {
    fields.push({ title: 'Deployed', value: list(deployed.map((d) => `${d.domain} → id ${d.belugaId}, expires ${d.notAfter.toISOString().slice(0, 10)}`)), short: false });
  }
  if (failed.length > 0) {
    fields.push({ title: 'Failed', value: list(failed.map((f) => `${f.domain ?? f.label}: ${oneLine(f.error)} (${f.code})`)), short: false });
  }
  fields.push({ title: 'Host', value: event.host, short: true });
  const color = failed.length > 0 ? FAILURE_COLOR : SUCCESS_COLOR;
  return build(opts, summary, color, `Certificate sync: ${counts}`, fields, event.at);
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
