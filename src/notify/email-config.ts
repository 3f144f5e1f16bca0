/**
 * The e-mail notifier's settings: where the SMTP server is, how to secure and log in to it, and
 * who gets the mail. Plain SMTP is allowed only to a loopback relay; anything else uses STARTTLS
 * (required, never skipped) or TLS from the first byte.
 */
import { HookError } from '../errors.js';
import { readRowMs } from '../config/parse-number.js';
import { rowNamed } from '../config/setting-row.js';
import type { NotifierSettings } from './definition.js';
import { EMAIL_ROWS } from './email/settings.js';

/** smtp:// or smtps://, with user:password@ inside (a secret). */
const ENV_URL = 'SMTP_URL';
const ENV_HOST = 'SMTP_HOST';
const ENV_PORT = 'SMTP_PORT';
const ENV_USER = 'SMTP_USER';
/** A secret. */
const ENV_PASSWORD = 'SMTP_PASSWORD';
/** starttls (default), tls, or none (only to a loopback host). */
const ENV_SECURITY = 'SMTP_SECURITY';
/** A PEM file of extra CA certificates to trust (a private relay, the sandbox). */
const ENV_CA_FILE = 'SMTP_CA_FILE';
const ENV_TIMEOUT = 'SMTP_TIMEOUT';
const ENV_FROM = 'MAIL_FROM';
/** Comma-separated addresses. */
const ENV_TO = 'MAIL_TO';

/** Every e-mail setting: any one of them present means e-mail is wanted, so all must be right. */
export const EMAIL_SETTINGS = EMAIL_ROWS.map((row) => row.name);
type EmailSettings = NotifierSettings<typeof EMAIL_ROWS>;
const TIMEOUT_ROW = rowNamed(EMAIL_ROWS, ENV_TIMEOUT);

type SmtpSecurity = 'starttls' | 'tls' | 'none';

export interface EmailConfig {
  host: string;
  port: number;
  security: SmtpSecurity;
  auth?: { user: string; password: string };
  caFile?: string;
  /** Per attempt: connecting, the greeting, STARTTLS and each reply. */
  timeoutMs: number;
  /** As given: an address, or `Name <address>`. */
  from: string;
  to: string[];
  maxAttempts: number;
  /** Values never to show: the password, and SMTP_URL as written and its user-info part. */
  secrets: string[];
}

export const DEFAULT_TIMEOUT_S = Number(TIMEOUT_ROW.default);
const DEFAULT_PORTS: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25 };
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** A plain address: no spaces, quotes, brackets or commas (so no header can be smuggled in). */
const ADDRESS = new RegExp(`^[A-Za-z0-9.!#$%&'*+/=?^_\`{|}~-]+@${LABEL}(?:\\.${LABEL})*$`);
/** `Name <address>`, the name without quotes, brackets, line breaks or list separators. */
const NAMED = /^([^"<>\r\n,;]*?)\s*<([^<>\s]+)>$/;

/**
 * Build the e-mail settings, or undefined when none is set (then no mail). Reads SMTP_URL, or
 * SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD; SMTP_SECURITY, SMTP_CA_FILE, SMTP_TIMEOUT,
 * MAIL_FROM, MAIL_TO. Names every problem in one HookError('CONFIG'); never echoes a secret.
 */
export function buildEmailConfig(s: EmailSettings): EmailConfig | undefined {
  if (!EMAIL_SETTINGS.some((name) => s[name])) return undefined;
  const problems: string[] = [];
  const server = s[ENV_URL] ? fromUrl(s, problems) : fromHost(s, problems);
  const timeoutMs = readRowMs(TIMEOUT_ROW, s[ENV_TIMEOUT], problems);
  const from = s[ENV_FROM];
  if (!from) problems.push(`missing setting: ${ENV_FROM} (the sender address)`);
  else if (!validFrom(from))
    problems.push(
      `${ENV_FROM} is not an e-mail address (got ${from}); use name@example.com or Name <name@example.com>`,
    );
  const to = (s[ENV_TO] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const badTo = to.filter((a) => !ADDRESS.test(a));
  if (to.length === 0) problems.push(`missing setting: ${ENV_TO} (comma-separated recipient addresses)`);
  else if (badTo.length > 0)
    problems.push(
      `${ENV_TO} has addresses that are not valid: ${badTo.join(', ')}; list plain addresses separated by commas`,
    );
  if (problems.length > 0 || !server) throw new HookError('CONFIG', `e-mail: ${problems.join('; ')}`);
  return { ...server, caFile: s[ENV_CA_FILE] || undefined, timeoutMs, from: from!, to, maxAttempts: 3 };
}

type Server = Pick<EmailConfig, 'host' | 'port' | 'security' | 'auth' | 'secrets'>;

function fromUrl(s: EmailSettings, problems: string[]): Server | undefined {
  const raw = s[ENV_URL]!;
  const clash = ([ENV_HOST, ENV_PORT, ENV_USER, ENV_PASSWORD] as const).filter((name) => s[name]);
  if (clash.length > 0)
    problems.push(`${ENV_URL} and ${clash.join(', ')} are both set; keep one way of naming the server`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${ENV_URL} is not a URL; use smtp://user:password@host:587 or smtps://user:password@host:465`);
    return undefined;
  }
  const scheme = url.protocol === 'smtp:' ? 'starttls' : url.protocol === 'smtps:' ? 'tls' : undefined;
  if (!scheme) {
    // Not echoed: in `user:password@host` the "scheme" is the user name.
    problems.push(`${ENV_URL} must start with smtp:// (STARTTLS) or smtps:// (TLS)`);
    return undefined;
  }
  const asked = parseSecurity(s[ENV_SECURITY], problems);
  // smtp:// says "not TLS from the start": STARTTLS, or plain if SMTP_SECURITY=none asks for it.
  const security = scheme === 'starttls' && asked === 'none' ? 'none' : scheme;
  if (asked && asked !== security)
    problems.push(`${ENV_SECURITY}=${asked} contradicts ${ENV_URL}'s ${url.protocol}// scheme; drop one`);
  const host = url.hostname;
  if (!host) problems.push(`${ENV_URL} names no host`);
  const user = decode(url.username);
  const password = decode(url.password);
  if (Boolean(user) !== Boolean(password))
    problems.push(`${ENV_URL} has a user without a password (or a password without a user); give both or neither`);
  const secrets = [raw, password, url.password, `${url.username}:${url.password}@`].filter((v) => v && v !== ':@');
  return finish(
    host,
    url.port,
    security,
    user && password ? { user, password } : undefined,
    secrets,
    ENV_URL,
    problems,
  );
}

function fromHost(s: EmailSettings, problems: string[]): Server | undefined {
  const host = s[ENV_HOST];
  if (!host) problems.push(`missing setting: ${ENV_HOST} (or ${ENV_URL})`);
  const user = s[ENV_USER];
  const password = s[ENV_PASSWORD];
  if (user && !password)
    problems.push(`missing setting: ${ENV_PASSWORD} (or ${ENV_PASSWORD}_FILE), ${ENV_USER} is set`);
  if (password && !user) problems.push(`missing setting: ${ENV_USER}, ${ENV_PASSWORD} is set`);
  const security = parseSecurity(s[ENV_SECURITY], problems) ?? 'starttls';
  return finish(
    host ?? '',
    s[ENV_PORT] ?? '',
    security,
    user && password ? { user, password } : undefined,
    password ? [password] : [],
    ENV_HOST,
    problems,
  );
}

function finish(
  host: string,
  portText: string,
  security: SmtpSecurity,
  auth: Server['auth'],
  secrets: string[],
  hostSetting: string,
  problems: string[],
): Server | undefined {
  let port = DEFAULT_PORTS[security];
  if (portText) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535)
      problems.push(
        `${hostSetting === ENV_URL ? `${ENV_URL}'s port` : ENV_PORT} must be a port number from 1 to 65535 (got ${portText})`,
      );
  }
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  // Plain SMTP would send the password and the mail in clear: only to a relay on this machine.
  if (host && security === 'none' && !LOOPBACK.test(bare)) {
    problems.push(
      `${ENV_SECURITY}=none sends mail in clear, allowed only to a loopback host (got ${bare}); use starttls or tls`,
    );
  }
  return host ? { host: bare, port, security, auth, secrets } : undefined;
}

function parseSecurity(value: string | undefined, problems: string[]): SmtpSecurity | undefined {
  if (!value) return undefined;
  const v = value.toLowerCase();
  if (v === 'starttls' || v === 'tls' || v === 'none') return v;
  problems.push(`${ENV_SECURITY} must be starttls, tls or none (got ${value})`);
  return undefined;
}

function validFrom(value: string): boolean {
  const named = NAMED.exec(value);
  return ADDRESS.test(named ? named[2]! : value);
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
