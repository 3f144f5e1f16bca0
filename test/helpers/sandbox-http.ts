/**
 * Raw HTTP for the sandbox tests: node:http (exact bytes, any Date header, no added headers), and
 * Beluga token signing computed here with node:crypto, apart from src/sandbox/verify-auth.ts.
 */
import { request } from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), 'utf8');
}

export function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<RawAnswer> {
  const url = new URL(base);
  // DELETE and GET are not chunked by default: without a length, node would send the body unframed.
  if (body !== undefined) headers = { 'Content-Length': String(Buffer.byteLength(body)), ...headers };
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function json(answer: RawAnswer): any {
  return JSON.parse(answer.text);
}

export function basic(user: string, pass: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

/** Python's utcnow().isoformat("T") + "Z": microseconds only when non-zero. */
export function pythonDate(d: Date): string {
  const base = d.toISOString().slice(0, 19);
  const ms = d.getUTCMilliseconds();
  return ms === 0 ? `${base}Z` : `${base}.${String(ms * 1000).padStart(6, '0')}Z`;
}

export function tokenHeaders(
  id: string,
  secret: string,
  method: string,
  path: string,
  date: string,
  body = '',
): Record<string, string> {
  let sign = `${method}:${path}:${date}`;
  if (method === 'POST' || method === 'PUT') sign += `:${createHash('sha512').update(body).digest('hex')}`;
  return { Authorization: `Token ${id} ${createHmac('sha512', secret).update(sign).digest('hex')}`, Date: date };
}

export const JSON_TYPE = { 'Content-Type': 'application/json' };
