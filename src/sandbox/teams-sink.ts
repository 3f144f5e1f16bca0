/**
 * A Microsoft Teams Workflows webhook (a Power Automate "When a Teams webhook request is
 * received" trigger) as it answers: 202 Accepted with an empty body once the request matches the
 * trigger; errors as `{"error": {"code", "message"}}`: 401 without the right `sig`, 404 for an
 * unknown workflow, 400 TriggerInputSchemaMismatch for a body that is not an Adaptive Card message.
 */
import { randomBytes } from 'node:crypto';
import { jsonReply, type Reply } from './reply.js';
import { defineSink, type SinkRequest } from './sink-definition.js';

const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';

/** The query a workflow's trigger URL carries before its `sig`. */
const TRIGGER_QUERY = 'api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0';

const TEAMS_ERRORS: Record<number, { code: string; message: string }> = {
  400: {
    code: 'TriggerInputSchemaMismatch',
    message: "The input body for trigger 'manual' of type 'Request' did not match its schema definition.",
  },
  401: {
    code: 'DirectApiAuthorizationRequired',
    message: 'The request must be authenticated only by Shared Access scheme.',
  },
  403: { code: 'AuthorizationFailed', message: 'The client does not have permission to perform this action.' },
  404: { code: 'WorkflowNotFound', message: 'The workflow could not be found.' },
  429: { code: 'WorkflowRequestsThrottled', message: 'The workflow is throttled: too many requests.' },
};

export const teamsSink = defineSink({
  name: 'teams',
  title: 'Teams',
  secrets: {
    id: { shape: /^[0-9a-f]{32}$/, make: () => randomBytes(16).toString('hex') },
    sig: { shape: /^[A-Za-z0-9_-]{43}$/, make: () => randomBytes(32).toString('base64url') },
  },
  handle: (req, secrets, accept) => handleTeams(req, secrets, accept),
  errorReply: teamsErrorReply,
  describe: (base, secrets) => ({
    url: `${base}/teams/workflows/${secrets.id}/triggers/manual/paths/invoke?${TRIGGER_QUERY}&sig=${secrets.sig}`,
  }),
  settings: ({ url }) => [['TEAMS_WEBHOOK_URL', url]],
});

function teamsErrorReply(status: number): Reply {
  const known = TEAMS_ERRORS[status] ?? {
    code: status >= 500 ? 'InternalServerError' : 'BadRequest',
    message: `The sandbox was told to answer HTTP ${status}.`,
  };
  return jsonReply(status, { error: known }, status === 429 ? { 'Retry-After': '1' } : {});
}

function handleTeams(
  req: SinkRequest,
  workflow: { id: string; sig: string },
  accept: (payload: unknown) => void,
): Reply {
  const m = /^\/teams\/workflows\/([^/]+)\/triggers\/manual\/paths\/invoke$/.exec(req.path);
  if (!m || m[1] !== workflow.id) return teamsErrorReply(404);
  if (req.query.get('sig') !== workflow.sig) return teamsErrorReply(401);
  if (req.method !== 'POST')
    return jsonReply(405, {
      error: { code: 'MethodNotAllowed', message: `The HTTP method '${req.method}' is not allowed for this trigger.` },
    });
  let payload: unknown;
  try {
    payload = JSON.parse(req.body.toString('utf8'));
  } catch {
    return jsonReply(400, {
      error: {
        code: 'InvalidRequestContent',
        message: 'The request content is not valid and could not be deserialized.',
      },
    });
  }
  const problem = schemaProblem(payload);
  if (problem)
    return jsonReply(400, {
      error: { code: TEAMS_ERRORS[400]!.code, message: `${TEAMS_ERRORS[400]!.message} Error details: '${problem}'.` },
    });
  accept(payload);
  return { status: 202, body: '', headers: {} };
}

/** What the "Post card in a chat or channel" template needs: a message whose attachments hold Adaptive Cards. */
function schemaProblem(payload: unknown): string | undefined {
  const p = payload as { type?: unknown; attachments?: unknown } | null;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return 'the body must be a JSON object';
  if (p.type !== 'message') return 'type must be "message"';
  if (!Array.isArray(p.attachments) || p.attachments.length === 0) return 'attachments must be a non-empty array';
  for (const a of p.attachments as Array<{
    contentType?: unknown;
    content?: { type?: unknown; body?: unknown; version?: unknown };
  } | null>) {
    if (a?.contentType !== ADAPTIVE) return `attachment contentType must be ${ADAPTIVE}`;
    if (a.content?.type !== 'AdaptiveCard' || typeof a.content.version !== 'string' || !Array.isArray(a.content.body)) {
      return 'attachment content must be an AdaptiveCard with a version and a body';
    }
  }
  return undefined;
}
