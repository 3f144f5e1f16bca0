/**
 * A Slack incoming webhook as slack.md describes it: JSON or form-encoded `payload=<json>`, plain
 * text answers (`ok`, `invalid_payload`, `no_text`, ...), and a record of what it accepted.
 */
import { randomBytes } from 'node:crypto';
import { textReply, type Reply } from './reply.js';
import { defineSink, type SinkFault } from './sink-definition.js';

/** Slack's limit on legacy attachments per message. */
const MAX_ATTACHMENTS = 100;

/** The plain-text code Slack answers with for a status, for faults that name only the status. */
function slackErrorText(status: number): string {
  const codes: Record<number, string> = {
    400: 'invalid_payload',
    403: 'action_prohibited',
    404: 'channel_not_found',
    410: 'channel_is_archived',
    429: 'rate_limited',
    500: 'rollup_error',
  };
  return codes[status] ?? (status >= 500 ? 'rollup_error' : 'invalid_payload');
}

interface SlackRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  contentType?: string;
  body: Buffer;
}

export const slackSink = defineSink({
  name: 'slack',
  title: 'Slack webhook',
  secrets: {
    path: {
      shape: /^\/slack\/services\/T00000000\/B00000000\/[0-9a-f]{24}$/,
      make: () => `/slack/services/T00000000/B00000000/${randomBytes(12).toString('hex')}`,
      required: true,
    },
  },
  handle: (req, secrets, accept) =>
    handleSlack({ ...req, contentType: req.headers['content-type'] }, secrets.path, accept),
  errorReply: (status) => textReply(status, slackErrorText(status)),
  faultReply: slackFaultReply,
  tooLargeReply: () => textReply(413, 'request_too_large'),
  logPath: '/slack/services/***',
  describe: (base, secrets) => ({ url: `${base}${secrets.path}` }),
  settings: ({ url }) => [['SLACK_WEBHOOK_URL', url]],
});

/** Slack has no JSON failure: `failure` is a 200 whose body is not "ok", which a client must notice. */
function slackFaultReply(fault: SinkFault): Reply {
  const status = fault.status ?? 200;
  const body = fault.body ?? (fault.failure ? 'failure' : slackErrorText(status));
  let type = 'text/plain; charset=utf-8';
  try {
    JSON.parse(body);
    type = 'application/json';
  } catch {
    // not JSON: a plain-text answer, as Slack gives
  }
  return { status, body, headers: { 'Content-Type': type } };
}

/** Answers one request for `webhookPath`; `accept` receives each payload that Slack would post. */
function handleSlack(req: SlackRequest, webhookPath: string, accept: (payload: unknown) => void): Reply {
  // Slack says no_service for a webhook URL it does not know (a revoked or mistyped token).
  if (req.path !== webhookPath) return textReply(404, 'no_service');
  if (req.method !== 'POST') return textReply(405, 'invalid_method');
  const payload = parsePayload(req.contentType, req.body.toString('utf8'));
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return textReply(400, 'invalid_payload');
  }
  const { text, attachments } = payload as { text?: unknown; attachments?: unknown };
  if (attachments !== undefined && !Array.isArray(attachments)) return textReply(400, 'invalid_payload');
  if (Array.isArray(attachments) && attachments.length > MAX_ATTACHMENTS) return textReply(400, 'too_many_attachments');
  const hasText = typeof text === 'string' && text.trim() !== '';
  const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
  if (!hasText && !hasAttachments) return textReply(400, 'no_text');
  accept(payload);
  return textReply(200, 'ok');
}

/** The JSON payload, or null when the body is neither JSON nor a form with a JSON `payload`. */
function parsePayload(contentType: string | undefined, body: string): unknown {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  let json: string | null = null;
  if (media === 'application/json') json = body;
  if (media === 'application/x-www-form-urlencoded') json = new URLSearchParams(body).get('payload');
  if (json === null) return null;
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}
