/**
 * What an SMTP failure means for the e-mail notifier: worth another try (the connection failed, a
 * timeout, a 4xx reply such as 421/450/451/452) or final (a 5xx reply such as 535 bad login, 550
 * no such mailbox, 530 STARTTLS first; a TLS certificate the client does not trust). The detail is
 * one short line with the server's code and words, the step it answered, and never a credential.
 */
import { oneLine } from '../errors.js';

export type SmtpVerdict = { kind: 'sent' } | { kind: 'final'; detail: string } | { kind: 'retry'; detail: string };

/** The fields nodemailer puts on its errors (nodemailer's errors.js, _formatError). */
interface NodemailerError {
  message?: string;
  code?: string;
  originalCode?: string;
  response?: string;
  responseCode?: number;
  command?: string;
}

const REPLY_MAX = 120; // the server's words, cut: enough to name the reason
/** TLS failures that another try cannot fix: the certificate or the protocol is wrong. */
const TLS_TRUST =
  /certificate|self[- ]signed|unable to (verify|get)|altnames|hostname|wrong version|protocol version|handshake failure/i;
const STEPS: Record<string, string> = {
  CONN: 'connect',
  EHLO: 'EHLO',
  STARTTLS: 'STARTTLS',
  'MAIL FROM': 'MAIL FROM',
  'RCPT TO': 'RCPT TO',
  DATA: 'DATA',
};

export function describeSmtpError(value: unknown, timeoutMs: number): Exclude<SmtpVerdict, { kind: 'sent' }> {
  const err: NodemailerError =
    typeof value === 'object' && value !== null ? (value as NodemailerError) : { message: String(value) };
  const step = err.command ? (STEPS[err.command] ?? err.command) : 'SMTP';
  const code = typeof err.responseCode === 'number' ? err.responseCode : undefined;
  // requireTLS sends STARTTLS even unadvertised; a refusal means the server cannot encrypt.
  if (err.command === 'STARTTLS' && err.response) {
    return {
      kind: 'final',
      detail: `the server does not offer STARTTLS, so nothing was sent (STARTTLS: ${cut(err.response)}); use SMTP_SECURITY=tls if it speaks TLS from the start`,
    };
  }
  if (code !== undefined && err.response) {
    const reply = `${step}: ${cut(err.response)}`;
    // RFC 5321: 4yz is transient, 5yz permanent.
    if (code >= 400 && code < 500) return { kind: 'retry', detail: reply };
    if (code === 530 && /starttls/i.test(err.response))
      return { kind: 'final', detail: `${reply} (the server wants STARTTLS; check SMTP_SECURITY)` };
    if (code >= 500) return { kind: 'final', detail: reply };
  }
  const message = cut(err.message ?? 'unknown error');
  switch (err.code) {
    case 'ETLS':
      return tlsFailure(message);
    case 'ETIMEDOUT':
      return { kind: 'retry', detail: `timeout after ${Math.round(timeoutMs / 100) / 10} s (${step})` };
    case 'EAUTH':
      return { kind: 'final', detail: `authentication failed: ${message}` };
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
      // A certificate the client rejects on an smtps:// connection arrives as a socket error.
      if (TLS_TRUST.test(message)) return tlsFailure(message);
      return { kind: 'retry', detail: `${connectionWords(err.originalCode) ?? 'connection failed'}: ${message}` };
    default:
      return { kind: 'final', detail: `${step}: ${message}` };
  }
}

function tlsFailure(message: string): { kind: 'final'; detail: string } {
  // OpenSSL's "8C...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number" -> its last words.
  const words =
    /(?:^|:)([a-z][a-z -]+)(?::\.\.\/\S*)?$/i.exec(message.replace(/:[^:]*\/openssl\/.*$/, ''))?.[1] ?? message;
  if (/wrong version number|packet length too long/i.test(message)) {
    return {
      kind: 'final',
      detail: `TLS failed: the server did not answer in TLS (${words.trim()}); for a STARTTLS port such as 587 use SMTP_SECURITY=starttls or smtp://`,
    };
  }
  return { kind: 'final', detail: `TLS failed: ${message}; if the server uses a private CA, name it in SMTP_CA_FILE` };
}

function connectionWords(code: string | undefined): string | undefined {
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host lookup failed',
  };
  return code ? words[code] : undefined;
}

function cut(text: string): string {
  const line = oneLine(text);
  return line.length > REPLY_MAX ? `${line.slice(0, REPLY_MAX - 1)}…` : line;
}
