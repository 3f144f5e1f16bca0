/**
 * The e-mail messages, as pure functions: a subject, a plain-text body and a simple HTML body
 * (every value escaped) for each event, with the same facts as the Slack message
 * (message-facts.ts), so a mail reader and a Slack reader learn the same things.
 */
import { oneLine } from '../errors.js';
import {
  EXPIRY_PRETEXT,
  expiryFacts,
  FAILURE_PRETEXT,
  failureFacts,
  FOOTER,
  formatUtc,
  skippedFacts,
  successFacts,
  TEST_PRETEXT,
  type MessageFacts,
} from './message-facts.js';
import { byKind } from './notifier-from.js';
import type { SyncEvent, TestEvent } from './types.js';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

/** One labelled fact; the body lists them in order, in text as `Label: value`. */
type Field = [label: string, value: string];

const SUBJECT_MAX = 200; // a subject stays one readable line in any mail client
const LISTED = 100; // a sync run's lists: a mail can hold more than a Slack field, but not everything

/** The five characters that matter in HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Each kind's mail. A deploy, a failure, a skip and an expiry list the facts every notifier shows
 * under a subject of their own; the test and the sync mails have fields of their own.
 */
export const emailMessage = byKind<EmailMessage>({
  success: (e) => {
    const recovered = e.recovered ? ' (recovered)' : '';
    const expires = e.notAfter.toISOString().slice(0, 10);
    return fromFacts(`Renewed SSL certificate for ${e.domain}${recovered}, expires ${expires}`, successFacts(e));
  },
  failure: (e) =>
    fromFacts(`${FAILURE_PRETEXT}${e.domain ? ` for ${e.domain}` : ''} on host ${e.host} (${e.code})`, failureFacts(e)),
  // Sent only at NOTIFY_LEVEL=all: a renewal hook ran, but the CDN already had this certificate.
  skipped: (e) => fromFacts(`SSL certificate for ${e.domain} is already deployed, nothing sent`, skippedFacts(e)),
  expiry: (e) =>
    fromFacts(`${EXPIRY_PRETEXT}: ${e.expiring.map((x) => x.name).join(', ')} (within ${e.days} days)`, expiryFacts(e)),
  test: testEmail,
  sync: syncEmail,
});

/** A deploy's mail lists the facts every notifier shows (message-facts.ts), under its own subject. */
function fromFacts(subject: string, m: MessageFacts): EmailMessage {
  return compose(
    subject,
    m.title,
    m.facts.map((f): Field => [f.name, f.value]),
    m.at,
  );
}

/** `beluga-cert notify-test`: says what it is, so nobody mistakes it for a deploy. */
function testEmail(event: TestEvent): EmailMessage {
  const fields: Field[] = [
    ['Host', event.host],
    ['Result', 'this notifier works'],
  ];
  return compose(`${TEST_PRETEXT} on host ${event.host}`, TEST_PRETEXT, fields, event.at);
}

/** The one message of a sync run: what was deployed, what failed, what was left as it was. */
function syncEmail(event: SyncEvent): EmailMessage {
  const { deployed, failed } = event;
  const counts = `${deployed.length} deployed, ${failed.length} failed, ${event.unchanged} unchanged, ${event.unmapped} unmapped`;
  const list = (lines: string[]) => [
    ...lines.slice(0, LISTED),
    ...(lines.length > LISTED ? [`… and ${lines.length - LISTED} more`] : []),
  ];
  const fields: Field[] = [
    ['Host', event.host],
    ['Result', counts],
  ];
  for (const line of list(
    deployed.map((d) => `${d.domain} → id ${d.belugaId}, expires ${d.notAfter.toISOString().slice(0, 10)}`),
  )) {
    fields.push(['Deployed', line]);
  }
  for (const line of list(failed.map((f) => `${f.domain ?? f.label}: ${oneLine(f.error)} (${f.code})`)))
    fields.push(['Failed', line]);
  const subject = `Certificate sync on host ${event.host}: ${counts}`;
  return compose(subject, `Certificate sync: ${counts}`, fields, event.at);
}

/** Text and HTML from the same fields, every value made one line (and escaped for HTML) here. */
function compose(subject: string, title: string, fields: Field[], at: Date): EmailMessage {
  const rows = fields.map(([label, value]) => [label, oneLine(value)] as const);
  const footer = `${FOOTER}, ${formatUtc(at)}`;
  const text = [title, '', ...rows.map(([label, value]) => `${label}: ${value}`), '', `-- ${footer}`, ''].join('\n');
  const cells = rows.map(
    ([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
  );
  const html = [
    '<!DOCTYPE html>',
    `<html><body><p><strong>${escapeHtml(title)}</strong></p>`,
    `<table cellpadding="4">${cells.join('')}</table>`,
    `<p><small>${escapeHtml(footer)}</small></p></body></html>`,
    '',
  ].join('\n');
  return { subject: cap(oneLine(subject), SUBJECT_MAX), text, html };
}

function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
