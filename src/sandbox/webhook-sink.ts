/**
 * A receiver for the generic webhook that checks what docs/notifiers.md tells receivers to check,
 * written apart from the sender: the X-Beluga-Signature HMAC-SHA256 over `timestamp.body`, a
 * timestamp within five minutes, a version 1 event; a delivery id seen before is acknowledged
 * but not kept twice. Answers 200 `{"ok": true}`, or 400/401 `{"error": "..."}`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { jsonReply, type Reply } from './reply.js';
import { defineSink, type SinkRequest } from './sink-definition.js';

const WEBHOOK_TOLERANCE_S = 300;

export const webhookSink = defineSink({
  name: 'webhook',
  title: 'generic webhook',
  secrets: {
    path: { shape: /^\/webhook\/[0-9a-f]{24}$/, make: () => `/webhook/${randomBytes(12).toString('hex')}` },
    secret: { shape: /^[0-9a-f]{64}$/, make: () => randomBytes(32).toString('hex') },
  },
  handle: (req, secrets, accept, ctx) =>
    handleWebhook(req, { path: secrets.path, secret: secrets.secret, seen: ctx.seen }, accept, ctx.now()),
  errorReply: webhookErrorReply,
  describe: (base, secrets) => ({ url: `${base}${secrets.path}`, secret: secrets.secret }),
  settings: ({ url, secret }) => [
    ['WEBHOOK_URL', url],
    ['WEBHOOK_SECRET', secret],
  ],
});

function webhookErrorReply(status: number): Reply {
  return jsonReply(
    status,
    { error: `the sandbox was told to answer HTTP ${status}` },
    status === 429 ? { 'Retry-After': '1' } : {},
  );
}

function handleWebhook(
  req: SinkRequest,
  receiver: { path: string; secret: string; seen: Set<string> },
  accept: (event: unknown) => void,
  now: Date,
): Reply {
  if (req.path !== receiver.path) return jsonReply(404, { error: 'no such webhook' });
  if (req.method !== 'POST') return jsonReply(405, { error: 'POST only' });
  const timestamp = req.headers['x-beluga-timestamp'] ?? '';
  const signature = req.headers['x-beluga-signature'] ?? '';
  if (!/^\d+$/.test(timestamp) || !signature)
    return jsonReply(401, { error: 'missing X-Beluga-Timestamp or X-Beluga-Signature' });
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE_S)
    return jsonReply(401, { error: 'timestamp outside the 5 minute tolerance' });
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', receiver.secret).update(`${timestamp}.`).update(req.body).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return jsonReply(401, { error: 'signature does not match' });
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json'))
    return jsonReply(415, { error: 'Content-Type must be application/json' });
  let event: { version?: unknown; id?: unknown; type?: unknown } | null;
  try {
    event = JSON.parse(req.body.toString('utf8')) as typeof event;
  } catch {
    return jsonReply(400, { error: 'the body is not JSON' });
  }
  if (
    event === null ||
    typeof event !== 'object' ||
    event.version !== 1 ||
    typeof event.id !== 'string' ||
    typeof event.type !== 'string'
  ) {
    return jsonReply(400, { error: 'not a version 1 event (version, id, type)' });
  }
  if (receiver.seen.has(event.id)) return jsonReply(200, { ok: true, duplicate: true });
  receiver.seen.add(event.id);
  accept(event);
  return jsonReply(200, { ok: true });
}
