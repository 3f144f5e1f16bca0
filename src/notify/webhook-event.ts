/**
 * The generic webhook's event, version 1 (docs/notifiers.md is its reference): one JSON object
 * per event with every key always present (null when it does not apply), snake_case, dates as
 * ISO 8601 UTC. Additive changes keep version 1; anything else raises it.
 */
import { randomUUID } from 'node:crypto';
import type { EdgeSummary, EventKind, NotifyEvents, PerKind, SkippedEvent, SuccessEvent } from './types.js';

export const WEBHOOK_EVENT_VERSION = 1;

type WebhookEventType =
  | 'certificate.deployed'
  | 'certificate.recovered'
  | 'certificate.deploy_failed'
  | 'certificate.unchanged'
  | 'sync.completed'
  | 'certificate.expiring'
  | 'notify.test';

interface WebhookCertificate {
  domain: string;
  names: string[];
  beluga_id: string | null;
  action: 'updated' | 'created' | null;
  not_after: string;
  fingerprint_sha256: string;
}

export interface WebhookEvent {
  version: typeof WEBHOOK_EVENT_VERSION;
  /** Unique per event, the same on every retry of it: receivers drop duplicates by it. */
  id: string;
  type: WebhookEventType;
  occurred_at: string;
  host: string;
  domain: string | null;
  certificate: WebhookCertificate | null;
  recovered: { pending_since: string; failed_attempts: number } | null;
  edge: {
    status: EdgeSummary['status'];
    text: string;
    names: Array<{
      name: string;
      outcome: string;
      after_seconds: number | null;
      served_not_after: string | null;
      served_fingerprint_sha256: string | null;
      detail: string | null;
    }>;
  } | null;
  error: { code: string; message: string; pending: string | null } | null;
  reason: string | null;
  sync: {
    deployed: Array<{ label: string; domain: string; beluga_id: string; not_after: string }>;
    failed: Array<{ label: string; domain: string | null; code: string; message: string }>;
    unchanged: number;
    unmapped: number;
  } | null;
  /** `beluga-cert expiry`: what the edge serves that expires within `days`. */
  expiry: {
    days: number;
    expiring: Array<{
      name: string;
      not_after: string;
      fingerprint_sha256: string;
      last_deployed: { at: string; not_after: string; beluga_id: string } | null;
    }>;
    unreachable: string[];
  } | null;
}

/** What one kind of event fills in; every other key stays null. */
type Fields = Pick<WebhookEvent, 'type'> & Partial<WebhookEvent>;

function certificate(
  e: SuccessEvent | SkippedEvent,
  record: Pick<WebhookCertificate, 'beluga_id' | 'action'>,
): WebhookCertificate {
  return {
    domain: e.domain,
    names: e.names,
    ...record,
    not_after: e.notAfter.toISOString(),
    fingerprint_sha256: e.fingerprint256,
  };
}

const FIELDS: PerKind<Fields> = {
  success: (e) => ({
    type: e.recovered ? 'certificate.recovered' : 'certificate.deployed',
    domain: e.domain,
    certificate: certificate(e, { beluga_id: e.belugaId, action: e.action }),
    recovered: e.recovered
      ? { pending_since: e.recovered.since.toISOString(), failed_attempts: e.recovered.failedAttempts }
      : null,
    edge: e.edge
      ? {
          status: e.edge.status,
          text: e.edge.text,
          names: e.edge.names.map((n) => ({
            name: n.name,
            outcome: n.outcome,
            after_seconds: n.afterSeconds ?? null,
            served_not_after: n.servedNotAfter?.toISOString() ?? null,
            served_fingerprint_sha256: n.servedFingerprint256 ?? null,
            detail: n.detail ?? null,
          })),
        }
      : null,
  }),
  failure: (e) => ({
    type: 'certificate.deploy_failed',
    domain: e.domain ?? null,
    error: { code: e.code, message: e.error, pending: e.pending ?? null },
  }),
  skipped: (e) => ({
    type: 'certificate.unchanged',
    domain: e.domain,
    reason: e.reason,
    certificate: certificate(e, { beluga_id: null, action: null }),
  }),
  sync: (e) => ({
    type: 'sync.completed',
    sync: {
      deployed: e.deployed.map((d) => ({
        label: d.label,
        domain: d.domain,
        beluga_id: d.belugaId,
        not_after: d.notAfter.toISOString(),
      })),
      failed: e.failed.map((f) => ({ label: f.label, domain: f.domain ?? null, code: f.code, message: f.error })),
      unchanged: e.unchanged,
      unmapped: e.unmapped,
    },
  }),
  expiry: (e) => ({
    type: 'certificate.expiring',
    expiry: {
      days: e.days,
      expiring: e.expiring.map((x) => ({
        name: x.name,
        not_after: x.notAfter.toISOString(),
        fingerprint_sha256: x.fingerprint256,
        last_deployed: x.lastDeployed
          ? {
              at: x.lastDeployed.at.toISOString(),
              not_after: x.lastDeployed.notAfter.toISOString(),
              beluga_id: x.lastDeployed.recordId,
            }
          : null,
      })),
      unreachable: e.unreachable,
    },
  }),
  test: () => ({ type: 'notify.test' }),
};

/** The event for any kind: the keys every event has, in one order, then what its kind fills in. */
export function webhookEvent<K extends EventKind>(
  kind: K,
  e: NotifyEvents[K],
  id: string = randomUUID(),
): WebhookEvent {
  const { type, ...fields } = FIELDS[kind](e);
  return {
    version: WEBHOOK_EVENT_VERSION,
    id,
    domain: null,
    certificate: null,
    recovered: null,
    edge: null,
    error: null,
    reason: null,
    sync: null,
    expiry: null,
    type,
    occurred_at: e.at.toISOString(),
    host: e.host,
    ...fields,
  };
}
