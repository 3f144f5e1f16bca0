/**
 * The server side of Beluga authentication, written from the reference (beluga-api.md, after the
 * official CLI's auth.py) and independently of the client, so that each checks the other.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SandboxCredentials } from './types.js';

/** How far a token request's Date may be from the server clock. */
const MAX_SKEW_MS = 5 * 60 * 1000;

/**
 * Python's `utcnow().isoformat("T")`: six-digit microseconds, or none when they are zero; the
 * official CLI adds a `Z`, the Python 3 fork (beluga_py) sends it without.
 */
const PYTHON_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{6}))?(Z?)$/;

/** `METHOD:PATH:date`, plus `:` + hex SHA-512 of the body bytes for POST and PUT. */
export function tokenSignString(
  method: string,
  pathWithQuery: string,
  date: string,
  body: Uint8Array | string = '',
): string {
  const base = `${method}:${pathWithQuery}:${date}`;
  if (method !== 'POST' && method !== 'PUT') return base;
  return `${base}:${createHash('sha512').update(body).digest('hex')}`;
}

/** Lowercase hex HMAC-SHA512 of the sign string, keyed with the token secret. */
export function tokenSignature(secret: string, signString: string): string {
  return createHmac('sha512', secret).update(signString).digest('hex');
}

/** The instant the official CLI's date (`Z` form) names, or undefined when the text is not exactly that. */
export function parsePythonUtcDate(text: string): Date | undefined {
  return text.endsWith('Z') ? parseTokenDate(text) : undefined;
}

/**
 * The instant a token request's Date names, in either client's form (with or without the `Z`:
 * both clients are in use, so the API evidently accepts both), or undefined for anything else.
 */
export function parseTokenDate(text: string): Date | undefined {
  const m = PYTHON_UTC.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const micros = m[7] === undefined ? 0 : Number(m[7]);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s, Math.floor(micros / 1000));
  const date = new Date(ms);
  // Date.UTC rolls 2017-02-30 over into March: a round trip catches impossible dates.
  const same =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s;
  return same ? date : undefined;
}

export interface AuthInput {
  method: string;
  /** The request target as sent: path plus `?query` when present. */
  path: string;
  authorization?: string;
  date?: string;
  body: Uint8Array;
}

/** True when the request carries valid Basic or Token credentials for `credentials`. */
export function verifyAuth(input: AuthInput, credentials: SandboxCredentials, now: Date): boolean {
  const header = input.authorization ?? '';
  const space = header.indexOf(' ');
  if (space <= 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const rest = header.slice(space + 1);
  if (scheme === 'basic') return verifyBasic(rest, credentials);
  if (scheme === 'token') return verifyToken(rest, input, credentials, now);
  return false;
}

function verifyBasic(encoded: string, credentials: SandboxCredentials): boolean {
  const { username, password } = credentials;
  if (username === undefined || password === undefined) return false;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return false;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Evaluate both comparisons so the time taken does not say which half was wrong.
  const userOk = safeEqual(decoded.slice(0, colon), username);
  const passOk = safeEqual(decoded.slice(colon + 1), password);
  return userOk && passOk;
}

function verifyToken(rest: string, input: AuthInput, credentials: SandboxCredentials, now: Date): boolean {
  const { tokenId, tokenSecret } = credentials;
  if (tokenId === undefined || tokenSecret === undefined) return false;
  const parts = rest.split(' ');
  if (parts.length !== 2) return false;
  const [id, signature] = parts as [string, string];
  if (!/^[0-9a-f]{128}$/.test(signature)) return false;
  if (input.date === undefined) return false;
  const date = parseTokenDate(input.date);
  if (!date || Math.abs(now.getTime() - date.getTime()) > MAX_SKEW_MS) return false;
  const expected = tokenSignature(tokenSecret, tokenSignString(input.method, input.path, input.date, input.body));
  const idOk = safeEqual(id, tokenId);
  const sigOk = safeEqual(signature, expected);
  return idOk && sigOk;
}

/** Constant-time string equality (hashing first makes the lengths equal). */
function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
