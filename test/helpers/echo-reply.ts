/**
 * A hostile server for the redaction tests: its error quotes the whole request back, every header
 * (the Authorization value, and what a Basic one decodes to) and every body field, raw, as
 * JSON-escaped text, and form-encoded; the path also upper-cased and percent-encoded. It answers
 * in every service's error shape at once (`message`/`error` for Beluga, `description` for
 * Telegram, the body itself for Slack), so any client that shows any part of it is tested.
 */
import type { RecordedRequest } from '../../src/sandbox/index.js';
import { jsonReply, type Reply } from '../../src/sandbox/reply.js';

export function echoReply(status: number, req: RecordedRequest): Reply {
  // The secrets first, so that any cut a client makes falls inside them.
  const headers = Object.entries(req.headers)
    .sort(([a], [b]) => Number(b === 'authorization') - Number(a === 'authorization'))
    .map(([name, value]) => `${name}: ${value}`);
  const basic = /^Basic\s+(\S+)/i.exec(req.headers['authorization'] ?? '');
  if (basic) headers.push(`decoded authorization: ${Buffer.from(basic[1] as string, 'base64').toString('utf8')}`);
  const fields = Object.entries(parseFields(req.body))
    .sort(([a], [b]) => Number(b === 'key') - Number(a === 'key'))
    .map(([name, value]) => `${name}=${String(value)}`);
  const form = new URLSearchParams(Object.entries(parseFields(req.body)).map(([k, v]) => [k, String(v)])).toString();
  const quoted = [
    `${req.method} ${req.path} (${req.path.toUpperCase()}, ${encodeURIComponent(req.path)})`,
    ...fields,
    ...headers,
  ].join('\n');
  return jsonReply(status, {
    result: 'failure',
    ok: false,
    message: `the request was: ${quoted}`,
    error: `body: ${req.body} form: ${form}`,
    description: `Bad Request: ${quoted} ${req.body}`,
  });
}

function parseFields(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
