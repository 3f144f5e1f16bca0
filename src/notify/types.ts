/** What a notifier is told, and what it is given to send with; every notifier implements `Notifier`. */
import type { HttpClient } from '../http.js';
import type { Redactor } from '../redact.js';
import type { EdgeSummary } from '../verify/edge-result.js';

export type { EdgeNameResult, EdgeSummary } from '../verify/edge-result.js';

export interface SuccessEvent {
  domain: string;
  names: string[];
  /** The Beluga certificate id, as the server sent it. */
  belugaId: string;
  /** 'updated' an existing record, or 'created' a new one for BELUGA_SITE. */
  action: 'updated' | 'created';
  notAfter: Date;
  fingerprint256: string;
  /** The host the tool ran on (os.hostname()). */
  host: string;
  /** When the deploy finished. */
  at: Date;
  /** Set when this deploy cleared a pending one: since when it waited, after how many failures. */
  recovered?: { since: Date; failedAttempts: number };
  /** What the CDN's edge served after the upload (the verify step); absent when not checked. */
  edge?: EdgeSummary;
}

export interface FailureEvent {
  /** The domain, when it was known before the failure. */
  domain?: string;
  /** The one-line error, already redacted. */
  error: string;
  /** The error code from src/errors.ts (e.g. 'KEY_MISMATCH'). */
  code: string;
  host: string;
  at: Date;
  /** Set when the certificate was recorded as pending: when it will be retried, one line. */
  pending?: string;
}

export interface NotifyResult {
  notifier: string;
  ok: boolean;
  /** One line: what happened ("sent", "HTTP 404 channel_not_found", ...). Never a secret. */
  detail: string;
  attempts: number;
}

/** One message for a whole `beluga-cert sync` run (never one per certificate). */
export interface SyncEvent {
  deployed: Array<{ label: string; domain: string; belugaId: string; notAfter: Date }>;
  failed: Array<{ label: string; domain?: string; code: string; error: string }>;
  unchanged: number;
  unmapped: number;
  host: string;
  at: Date;
}

/** A deploy that did nothing because the journal says this certificate is already on the CDN. */
export interface SkippedEvent {
  domain: string;
  names: string[];
  fingerprint256: string;
  notAfter: Date;
  /** Why, one line: "already deployed to id 7 at 2026-11-27T10:00:00Z". */
  reason: string;
  host: string;
  at: Date;
}

/** `beluga-cert notify-test`: proves a notifier's settings work, says so plainly. */
export interface TestEvent {
  host: string;
  at: Date;
}

/** `beluga-cert expiry`: names whose certificate on the CDN's edge expires soon; one message a run. */
export interface ExpiryEvent {
  /** The threshold (--days). */
  days: number;
  expiring: Array<{
    name: string;
    /** What the edge serves for the name. */
    notAfter: Date;
    fingerprint256: string;
    /** The newest certificate this host deployed for the name, if the journal knows one. */
    lastDeployed?: { at: Date; notAfter: Date; recordId: string };
  }>;
  /** Names the edge did not answer for. */
  unreachable: string[];
  host: string;
  at: Date;
}

/** Every event a notifier is told, by kind: a new kind is one line here (and its facts in message-facts.ts). */
export interface NotifyEvents {
  success: SuccessEvent;
  failure: FailureEvent;
  sync: SyncEvent;
  skipped: SkippedEvent;
  test: TestEvent;
  expiry: ExpiryEvent;
}

export type EventKind = keyof NotifyEvents;

/** One function per event kind, each given that kind's event (a table a compiler checks is complete). */
export type PerKind<Out> = { [K in EventKind]: (event: NotifyEvents[K]) => Out };

/** One method per event kind, each answering with its result (a notifier never throws). */
type NotifierMethods = PerKind<Promise<NotifyResult>>;

export interface Notifier extends NotifierMethods {
  readonly name: string;
}

/** What the run gives every notifier it builds. */
export interface NotifierDeps {
  http: HttpClient;
  /** Injected so tests can skip real waits. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms (Date.now() clock) when the run's budget ends: retries stop in time. */
  deadline?: number;
  /** The backoff's jitter; tests inject a fixed one. */
  random?: () => number;
  /** The run's redaction filter (Output.redact): every event passes it before any notifier sees it. */
  redact?: Redactor;
}
