import { createHash, createHmac } from 'node:crypto';
import type { BelugaAuth } from '../config/build-config.js';

/**
 * The Date header as the official CLI writes it: Python `utcnow().isoformat("T") + "Z"`, i.e.
 * ISO 8601 with microseconds only when they are non-zero (beluga-api.md, "Authentication").
 */
export function belugaDate(now: Date): string {
  const iso = now.toISOString(); // 2017-08-06T10:21:33.512Z
  const ms = now.getUTCMilliseconds();
  const seconds = iso.slice(0, 19);
  return ms === 0 ? `${seconds}Z` : `${seconds}.${String(ms * 1000).padStart(6, '0')}Z`;
}

/** `METHOD:PATH:date`, plus `:` + hex SHA-512 of the body bytes for POST and PUT. */
export function signString(method: string, pathWithQuery: string, date: string, body?: string): string {
  const base = `${method}:${pathWithQuery}:${date}`;
  if (method !== 'POST' && method !== 'PUT') return base;
  return `${base}:${createHash('sha512')
    .update(body ?? '', 'utf8')
    .digest('hex')}`;
}

/**
 * Authentication headers for one request. Token auth (HMAC-SHA512) wins when configured;
 * otherwise Basic with the account e-mail and password.
 */
export function authHeaders(
  auth: BelugaAuth,
  method: string,
  url: string,
  body: string | undefined,
  now: Date,
): Record<string, string> {
  if (auth.kind === 'basic') {
    const encoded = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
    return { Authorization: `Basic ${encoded}` };
  }
  const { pathname, search } = new URL(url);
  const date = belugaDate(now);
  const signature = createHmac('sha512', auth.tokenSecret)
    .update(signString(method, pathname + search, date, body), 'utf8')
    .digest('hex');
  return { Authorization: `Token ${auth.tokenId} ${signature}`, Date: date };
}
