/**
 * The notifier sinks beside the Slack one: Discord, Teams, the Telegram Bot API and a generic
 * webhook receiver, each under its own path prefix on the sandbox's one server, each with its own
 * random secret (webhook token, `sig`, bot token, signing secret), recording every request and
 * every message it accepted. Faults with their name as target answer in that service's error shape.
 */
import { randomBytes } from 'node:crypto';
import { discordErrorReply, handleDiscord } from './discord-sink.js';
import { jsonReply, type Reply } from './reply.js';
import { handleTeams, teamsErrorReply } from './teams-sink.js';
import { handleTelegram, telegramError } from './telegram-sink.js';
import type { RecordedRequest } from './types.js';
import { handleWebhook, webhookErrorReply } from './webhook-sink.js';

export const SINK_NAMES = ['discord', 'teams', 'telegram', 'webhook'] as const;
export type SinkName = (typeof SINK_NAMES)[number];

export interface SinkRequest {
  method: string;
  /** Without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
}

export interface NotifySink {
  /** Every request to this sink, in order (accepted or not). */
  requests: RecordedRequest[];
  /** The parsed payloads the sink accepted as the service would have. */
  messages: unknown[];
}

/** Where to point each notifier at the sandbox, and what each sink saw. */
export interface NotifySinks {
  discord: NotifySink & { url: string };
  teams: NotifySink & { url: string };
  telegram: NotifySink & { apiUrl: string; token: string; chatId: string };
  webhook: NotifySink & { url: string; secret: string };
}

export function isSinkName(value: unknown): value is SinkName {
  return (SINK_NAMES as readonly unknown[]).includes(value);
}

/** The sink a request path belongs to, by its first segment. */
export function sinkFor(path: string): SinkName | undefined {
  const first = path.split('/')[1];
  return isSinkName(first) ? first : undefined;
}

/** A sink's answer for a fault that names a status (or `failure`), in the service's own shape. */
export function sinkFaultReply(
  fault: { target: SinkName; status?: number; failure?: boolean; body?: string },
): Reply | undefined {
  if (fault.status === undefined && !fault.failure && fault.body === undefined) return undefined;
  if (fault.body !== undefined) return { status: fault.status ?? 200, body: fault.body, headers: { 'Content-Type': 'application/json' } };
  if (fault.failure) {
    // A 200 that is not a success: a client must read the body, not only the status.
    return fault.target === 'telegram'
      ? jsonReply(200, { ok: false, error_code: 400, description: 'Bad Request: the sandbox was told to fail this request' })
      : jsonReply(200, { error: 'the sandbox was told to fail this request' });
  }
  const status = fault.status as number;
  switch (fault.target) {
    case 'discord': return discordErrorReply(status);
    case 'teams': return teamsErrorReply(status);
    case 'telegram': return telegramError(status);
    case 'webhook': return webhookErrorReply(status);
  }
}

/** The four sinks, their secrets made now; `describe` gives their URLs once the port is known. */
export function createNotifySinks(now: () => Date) {
  const hex = (n: number) => randomBytes(n).toString('hex');
  const discord = { id: '1234567890123456789', token: `${hex(30)}-${hex(4)}` };
  const teams = { id: hex(16), sig: randomBytes(32).toString('base64url') };
  const telegram = { token: `7000000001:AA${randomBytes(24).toString('base64url')}`, chatId: '-1001234567890' };
  const webhook = { path: `/webhook/${hex(12)}`, secret: hex(32), seen: new Set<string>() };
  const logs: Record<SinkName, NotifySink> = {
    discord: { requests: [], messages: [] }, teams: { requests: [], messages: [] },
    telegram: { requests: [], messages: [] }, webhook: { requests: [], messages: [] },
  };
  let messageId = 0;

  return {
    record(name: SinkName, request: RecordedRequest): void {
      logs[name].requests.push(request);
    },
    handle(name: SinkName, req: SinkRequest): Reply {
      const accept = (payload: unknown) => void logs[name].messages.push(payload);
      switch (name) {
        case 'discord': return handleDiscord(req, discord, accept);
        case 'teams': return handleTeams(req, teams, accept);
        case 'telegram': return handleTelegram(req, telegram, accept, () => ++messageId);
        case 'webhook': return handleWebhook(req, webhook, accept, now());
      }
    },
    describe(base: string): NotifySinks {
      return {
        discord: { ...logs.discord, url: `${base}/discord/api/webhooks/${discord.id}/${discord.token}` },
        teams: { ...logs.teams, url: `${base}/teams/workflows/${teams.id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${teams.sig}` },
        telegram: { ...logs.telegram, apiUrl: `${base}/telegram`, token: telegram.token, chatId: telegram.chatId },
        webhook: { ...logs.webhook, url: `${base}${webhook.path}`, secret: webhook.secret },
      };
    },
  };
}
