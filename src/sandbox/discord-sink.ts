/**
 * A Discord webhook as Discord answers it: POST /api/webhooks/{id}/{token}, 204 No Content (or
 * 200 with the message for `?wait=true`), and JSON errors `{"message", "code"}`: 10015 Unknown
 * Webhook, 50027 Invalid Webhook Token, 50006 Cannot send an empty message, 50109 invalid JSON,
 * 50035 Invalid Form Body (a colour that is not an integer, a field too long...).
 */
import { randomBytes } from 'node:crypto';
import { jsonReply, type Reply } from './reply.js';
import { defineSink, type SinkRequest } from './sink-definition.js';

/** The webhook's id: a snowflake in the URL, not a secret. */
const WEBHOOK_ID = '1234567890123456789';

const DISCORD_ERRORS: Record<number, { message: string; code: number }> = {
  400: { message: 'Invalid Form Body', code: 50035 },
  401: { message: 'Invalid Webhook Token', code: 50027 },
  403: { message: 'Missing Permissions', code: 50013 },
  404: { message: 'Unknown Webhook', code: 10015 },
};

export const discordSink = defineSink({
  name: 'discord',
  title: 'Discord',
  secrets: {
    token: {
      shape: /^[0-9a-f]{60}-[0-9a-f]{8}$/,
      make: () => `${randomBytes(30).toString('hex')}-${randomBytes(4).toString('hex')}`,
    },
  },
  handle: (req, secrets, accept) => handleDiscord(req, { id: WEBHOOK_ID, token: secrets.token }, accept),
  errorReply: discordErrorReply,
  describe: (base, secrets) => ({ url: `${base}/discord/api/webhooks/${WEBHOOK_ID}/${secrets.token}` }),
  settings: ({ url }) => [['DISCORD_WEBHOOK_URL', url]],
});

/** Discord's answer for a status, for faults that name only the status. */
function discordErrorReply(status: number): Reply {
  if (status === 429)
    return jsonReply(
      429,
      { message: 'You are being rate limited.', retry_after: 1.5, global: false },
      { 'Retry-After': '2' },
    );
  const known = DISCORD_ERRORS[status];
  return jsonReply(
    status,
    known ?? { message: `${status}: ${status >= 500 ? 'Internal Server Error' : 'Bad Request'}`, code: 0 },
  );
}

function handleDiscord(
  req: SinkRequest,
  webhook: { id: string; token: string },
  accept: (payload: unknown) => void,
): Reply {
  const m = /^\/discord\/api\/webhooks\/([^/]+)\/([^/]+)$/.exec(req.path);
  if (!m || m[1] !== webhook.id) return jsonReply(404, DISCORD_ERRORS[404]);
  if (m[2] !== webhook.token) return jsonReply(401, DISCORD_ERRORS[401]);
  if (req.method !== 'POST') return jsonReply(405, { message: '405: Method Not Allowed', code: 0 });
  let payload: unknown;
  try {
    payload = JSON.parse(req.body.toString('utf8'));
  } catch {
    return jsonReply(400, { message: 'The request body contains invalid JSON.', code: 50109 });
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    return jsonReply(400, { message: 'Cannot send an empty message', code: 50006 });
  const { content, embeds } = payload as { content?: unknown; embeds?: unknown };
  const problem =
    checkEmbeds(embeds) ??
    (content !== undefined && (typeof content !== 'string' || content.length > 2000) ? 'content' : undefined);
  if (problem)
    return jsonReply(400, {
      ...DISCORD_ERRORS[400],
      errors: { [problem]: { _errors: [{ code: 'BASE_TYPE_INVALID', message: 'Invalid value.' }] } },
    });
  const hasContent = typeof content === 'string' && content.trim() !== '';
  if (!hasContent && !(Array.isArray(embeds) && embeds.length > 0))
    return jsonReply(400, { message: 'Cannot send an empty message', code: 50006 });
  accept(payload);
  if (req.query.get('wait') === 'true')
    return jsonReply(200, { id: '1100000000000000001', type: 0, content: hasContent ? content : '', embeds });
  return { status: 204, body: '', headers: {} };
}

/** The path of the first thing Discord would refuse in the embeds, or undefined. */
function checkEmbeds(embeds: unknown): string | undefined {
  if (embeds === undefined) return undefined;
  if (!Array.isArray(embeds) || embeds.length > 10) return 'embeds';
  for (const [i, e] of embeds.entries()) {
    const embed = e as { title?: unknown; description?: unknown; color?: unknown; fields?: unknown };
    if (embed === null || typeof embed !== 'object') return `embeds.${i}`;
    if (
      embed.color !== undefined &&
      !(Number.isInteger(embed.color) && (embed.color as number) >= 0 && (embed.color as number) <= 0xffffff)
    )
      return `embeds.${i}.color`;
    if (embed.title !== undefined && (typeof embed.title !== 'string' || embed.title.length > 256))
      return `embeds.${i}.title`;
    if (embed.description !== undefined && (typeof embed.description !== 'string' || embed.description.length > 4096))
      return `embeds.${i}.description`;
    if (embed.fields === undefined) continue;
    if (!Array.isArray(embed.fields) || embed.fields.length > 25) return `embeds.${i}.fields`;
    for (const [j, f] of embed.fields.entries()) {
      const { name, value } = (f ?? {}) as { name?: unknown; value?: unknown };
      if (
        typeof name !== 'string' ||
        name === '' ||
        name.length > 256 ||
        typeof value !== 'string' ||
        value === '' ||
        value.length > 1024
      )
        return `embeds.${i}.fields.${j}`;
    }
  }
  return undefined;
}
