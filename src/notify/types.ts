/** What a notifier is told. Slack is the first notifier; others implement the same interface. */

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

export interface Notifier {
  readonly name: string;
  success(event: SuccessEvent): Promise<NotifyResult>;
  failure(event: FailureEvent): Promise<NotifyResult>;
  sync(event: SyncEvent): Promise<NotifyResult>;
}
