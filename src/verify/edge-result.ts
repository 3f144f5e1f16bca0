/** What the verify step found at the edge, as notifiers, the CLI and the journal show it. */

/** One certificate name as the edge served it after the upload. */
export interface EdgeNameResult {
  name: string;
  /** served: the new certificate; old: the one it replaced; other: some other certificate; unreachable: no TLS answer. */
  outcome: 'served' | 'old' | 'other' | 'unreachable';
  /** served: seconds from the upload until the edge served it. */
  afterSeconds?: number;
  /** old / other: the served certificate's expiry and SHA-256 fingerprint. */
  servedNotAfter?: Date;
  servedFingerprint256?: string;
  /** unreachable: why, one line (never a secret). */
  detail?: string;
}

/** The verify step's result as notifiers show it. */
export interface EdgeSummary {
  /** checked: verified in this run; later: left pending for `beluga-cert verify`; skipped: not checked (why in text). */
  status: 'checked' | 'later' | 'skipped';
  /** One line for a person: "live on the edge after 14 s", "edge still serves the old certificate, expires in 9 days". */
  text: string;
  names: EdgeNameResult[];
}
