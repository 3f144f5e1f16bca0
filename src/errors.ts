/**
 * The error catalogue: every refusal the tool makes has a code, a one-line message that says
 * what is wrong and what to do, and a distinct exit code. Only the outermost binary turns these
 * into process exit codes; the core throws them.
 */

export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  CONFIG: 3,
  STORE_UNUSABLE: 4,
  DOCTOR_PROBLEMS: 5,
  FILE_UNREADABLE: 10,
  NOT_PEM: 11,
  KEY_ENCRYPTED: 12,
  KEY_UNSUPPORTED: 13,
  KEY_MISMATCH: 14,
  CERT_EXPIRED: 15,
  CERT_NOT_YET_VALID: 16,
  DOMAIN_NOT_IN_CERT: 17,
  CHAIN_INVALID: 18,
  CERT_UNTRUSTED: 19,
  NO_RECORD: 20,
  AMBIGUOUS_RECORD: 21,
  RECORD_NOT_FOUND: 22,
  NAME_LOSS: 23,
  LOCKED: 24,
  OLDER_CERTIFICATE: 25,
  CREDENTIALS_REJECTED: 30,
  REMOTE_REJECTED: 31,
  REMOTE_UNAVAILABLE: 32,
  NOTIFY_FAILED: 40,
  EDGE_MISMATCH: 41,
  EDGE_UNREACHABLE: 42,
  EDGE_EXPIRING: 43,
} as const;

export type ErrorCode = keyof typeof EXIT;

/** A known failure: `code` picks the exit code, `message` is one line for a person. */
export class HookError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
    this.name = 'HookError';
    this.code = code;
    this.exitCode = EXIT[code];
  }
}

/**
 * Collapse white space so that every error prints as exactly one line, and show any other control
 * character (a terminal escape in a file name) as `\u001b` instead of sending it to a terminal.
 */
export function oneLine(text: string): string {
  return escapeControls(text.replace(/\s+/g, ' ').trim());
}

/**
 * Every C0 and C1 control character made visible, line breaks and tabs too: what passes through
 * here prints as one line, so a name holding `\n` or `\r` cannot forge a line of the output.
 */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function isHookError(err: unknown): err is HookError {
  return err instanceof HookError;
}

/** What the exit-code table in docs/operations.md says, kept here so tests can check both agree. */
export const EXIT_DESCRIPTIONS: Record<ErrorCode, string> = {
  OK: 'deployed (or, with --dry-run, everything checked); a failed notification is only a warning',
  INTERNAL: 'unexpected internal error (a bug: please report it with the output)',
  USAGE: 'bad command line (unknown option, missing argument)',
  CONFIG: 'configuration missing, invalid, or insecure (secrets file readable by others)',
  STORE_UNUSABLE:
    '`sync`, `status`, `metrics`, `expiry`: a store given is missing or holds no certificate of its kind (the others were still served)',
  DOCTOR_PROBLEMS: '`doctor`: at least one check failed (each FAIL line says what is wrong and how to fix it)',
  FILE_UNREADABLE: 'a certificate, key or chain file is missing, unreadable, a directory, or empty',
  NOT_PEM: 'a file is not PEM (the message says when it is DER) or holds the wrong kind of block',
  KEY_ENCRYPTED: 'the private key is encrypted with a passphrase',
  KEY_UNSUPPORTED: 'the key type or size is not RSA 2048-4096 or EC P-256/P-384',
  KEY_MISMATCH: 'the private key does not belong to the certificate',
  CERT_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  DOMAIN_NOT_IN_CERT: "the domain is not among the certificate's names",
  CHAIN_INVALID: 'the chain does not link to the certificate (an unrelated certificate)',
  CERT_UNTRUSTED:
    "browsers would not trust the certificate (no trusted root, or a Let's Encrypt staging certificate); see BELUGA_CA_FILE",
  NO_RECORD: 'no Beluga certificate holds the domain, and BELUGA_SITE is not set to create one',
  AMBIGUOUS_RECORD: 'several Beluga certificates hold the domain; pin one with BELUGA_CERT_ID',
  RECORD_NOT_FOUND: 'BELUGA_CERT_ID names a certificate that Beluga does not have',
  NAME_LOSS: 'the new certificate would drop names the Beluga record serves (see --allow-name-loss)',
  LOCKED:
    'another run is deploying to the same record and did not finish in time; nothing was uploaded, the certificate is pending for retry',
  OLDER_CERTIFICATE: 'the record already holds a newer certificate deployed by this tool (see --force)',
  CREDENTIALS_REJECTED: 'Beluga rejected the credentials (HTTP 401/403)',
  REMOTE_REJECTED: 'Beluga refused the request (other 4xx, a redirect, or "result": "failure")',
  REMOTE_UNAVAILABLE: 'Beluga could not be reached, timed out, or answered 5xx or a broken body',
  NOTIFY_FAILED: '`beluga-cert notify-test`: at least one configured notifier could not deliver its test message',
  EDGE_MISMATCH: '`verify`: the edge serves another certificate than the newest one deployed for a name',
  EDGE_UNREACHABLE:
    '`verify`: the edge could not be reached for a name (no connection, or it refused the name); `expiry`: for any name',
  EDGE_EXPIRING:
    '`expiry`: the edge serves a certificate that expires within --days (default 21) for at least one name',
};
