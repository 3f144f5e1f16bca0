/**
 * What every human-readable message says, apart from how a service draws it: a title, a one-line
 * summary, the same fields as the Slack message (Domain, Expires, Beluga id, Host, Recovered,
 * Edge, Error, Pending...) and a tone. Slack, Discord, Teams, Telegram and (for deploys) e-mail
 * each render these facts.
 */
import { oneLine } from '../errors.js';
import type { ExpiryEvent, FailureEvent, PerKind, SkippedEvent, SuccessEvent, SyncEvent, TestEvent } from './types.js';

export type Tone = 'success' | 'failure' | 'neutral';

const SUCCESS_PRETEXT = 'Renewed SSL certificate successfully';
export const FAILURE_PRETEXT = 'SSL certificate deployment failed';
const SKIPPED_PRETEXT = 'SSL certificate already deployed';
export const TEST_PRETEXT = 'Test message from beluga-cert';
export const EXPIRY_PRETEXT = 'Certificates expiring on the CDN edge';
export const FOOTER = 'Certificate renewal';

const DAY_MS = 86_400_000;

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

interface Fact {
  name: string;
  value: string;
  /** Fits beside another fact (Slack's `short`, Discord's `inline`). */
  short: boolean;
}

export interface MessageFacts {
  tone: Tone;
  title: string;
  summary: string;
  facts: Fact[];
  footer: string;
  at: Date;
}

const LISTED = 20; // a list stays readable; the rest is counted

export function successFacts(event: SuccessEvent): MessageFacts {
  const created = event.action === 'created';
  const recovered = event.recovered
    ? `recovered after ${event.recovered.failedAttempts} failed attempt(s) since ${formatUtc(event.recovered.since)}`
    : undefined;
  const facts: Fact[] = [
    { name: 'Domain', value: event.domain, short: true },
    { name: 'Expires', value: `${formatUtc(event.notAfter)} (${daysLeft(event.notAfter, event.at)})`, short: true },
    { name: 'Beluga id', value: created ? `${event.belugaId} (created)` : event.belugaId, short: true },
    { name: 'Host', value: event.host, short: true },
  ];
  if (recovered) facts.push({ name: 'Recovered', value: recovered, short: false });
  if (event.edge) facts.push({ name: 'Edge', value: oneLine(event.edge.text), short: false });
  const summary =
    `Renewed SSL certificate for ${event.domain} on Beluga (id ${created ? `${event.belugaId}, created` : event.belugaId}), ` +
    `expires ${event.notAfter.toISOString().slice(0, 10)} on host ${event.host}${recovered ? `; ${recovered}` : ''}`;
  return { tone: 'success', title: SUCCESS_PRETEXT, summary, facts, footer: FOOTER, at: event.at };
}

export function failureFacts(event: FailureEvent): MessageFacts {
  const error = `${oneLine(event.error)} (${event.code})`;
  const facts: Fact[] = [];
  if (event.domain) facts.push({ name: 'Domain', value: event.domain, short: true });
  facts.push({ name: 'Host', value: event.host, short: true });
  facts.push({ name: 'Error', value: error, short: false });
  if (event.pending) facts.push({ name: 'Pending', value: oneLine(event.pending), short: false });
  const summary = `${FAILURE_PRETEXT}${event.domain ? ` for ${event.domain}` : ''} on host ${event.host}: ${error}${event.pending ? `; ${oneLine(event.pending)}` : ''}`;
  return { tone: 'failure', title: FAILURE_PRETEXT, summary, facts, footer: FOOTER, at: event.at };
}

export function skippedFacts(event: SkippedEvent): MessageFacts {
  const facts: Fact[] = [
    { name: 'Domain', value: event.domain, short: true },
    { name: 'Expires', value: `${formatUtc(event.notAfter)} (${daysLeft(event.notAfter, event.at)})`, short: true },
    { name: 'Host', value: event.host, short: true },
    { name: 'Why', value: oneLine(event.reason), short: false },
  ];
  const summary = `SSL certificate for ${event.domain} is already deployed, nothing sent (host ${event.host}): ${oneLine(event.reason)}`;
  return { tone: 'neutral', title: SKIPPED_PRETEXT, summary, facts, footer: FOOTER, at: event.at };
}

export function testFacts(event: TestEvent): MessageFacts {
  return {
    tone: 'neutral',
    title: TEST_PRETEXT,
    summary: `Test message from beluga-cert on host ${event.host}: this notifier works`,
    facts: [{ name: 'Host', value: event.host, short: true }],
    footer: FOOTER,
    at: event.at,
  };
}

/** What the edge serves that expires soon: the alert no local check gives. */
export function expiryFacts(event: ExpiryEvent): MessageFacts {
  const list = (lines: string[]) =>
    lines.slice(0, LISTED).join('\n') + (lines.length > LISTED ? `\n… and ${lines.length - LISTED} more` : '');
  const lines = event.expiring.map((e) => {
    const last = e.lastDeployed
      ? `; last deployed here ${formatUtc(e.lastDeployed.at)} (expires ${e.lastDeployed.notAfter.toISOString().slice(0, 10)}, Beluga id ${e.lastDeployed.recordId})`
      : '; nothing deployed from this host';
    return `${e.name}: ${daysLeft(e.notAfter, event.at)} (${e.notAfter.toISOString().slice(0, 10)})${last}`;
  });
  const facts: Fact[] = [{ name: 'Expiring on the edge', value: list(lines), short: false }];
  if (event.unreachable.length > 0)
    facts.push({ name: 'Edge not reached for', value: list(event.unreachable), short: false });
  facts.push({ name: 'Host', value: event.host, short: true });
  const title = `${EXPIRY_PRETEXT}: ${event.expiring.length} name(s) within ${event.days} days`;
  return {
    tone: 'failure',
    title,
    summary: `${title} (host ${event.host}): ${event.expiring.map((e) => `${e.name} ${daysLeft(e.notAfter, event.at)}`).join(', ')}`,
    facts,
    footer: FOOTER,
    at: event.at,
  };
}

export function syncFacts(event: SyncEvent): MessageFacts {
  const { deployed, failed } = event;
  const counts = `${deployed.length} deployed, ${failed.length} failed, ${event.unchanged} unchanged, ${event.unmapped} unmapped`;
  const list = (lines: string[]) =>
    lines.slice(0, LISTED).join('\n') + (lines.length > LISTED ? `\n… and ${lines.length - LISTED} more` : '');
  const facts: Fact[] = [];
  if (deployed.length > 0) {
    facts.push({
      name: 'Deployed',
      value: list(
        deployed.map((d) => `${d.domain} → id ${d.belugaId}, expires ${d.notAfter.toISOString().slice(0, 10)}`),
      ),
      short: false,
    });
  }
  if (failed.length > 0) {
    facts.push({
      name: 'Failed',
      value: list(failed.map((f) => `${f.domain ?? f.label}: ${oneLine(f.error)} (${f.code})`)),
      short: false,
    });
  }
  facts.push({ name: 'Host', value: event.host, short: true });
  return {
    tone: failed.length > 0 ? 'failure' : 'success',
    title: `Certificate sync: ${counts}`,
    summary: `Certificate sync on host ${event.host}: ${counts}`,
    facts,
    footer: FOOTER,
    at: event.at,
  };
}

/** Each event kind's facts: every notifier that draws facts draws every kind from this one table. */
export const EVENT_FACTS: PerKind<MessageFacts> = {
  success: successFacts,
  failure: failureFacts,
  sync: syncFacts,
  skipped: skippedFacts,
  test: testFacts,
  expiry: expiryFacts,
};
