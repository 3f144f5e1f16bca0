/**
 * The notifier sinks: Slack, Discord, Teams, the Telegram Bot API and a generic webhook receiver,
 * one per notifier whose definition names an HTTP sink (notify/notifiers.ts), each under its own
 * path prefix on the sandbox's one server, each with its own random secret (webhook token, `sig`,
 * bot token, signing secret), recording every request and every message it accepted. Faults with
 * their name as target answer in that service's error shape.
 */
import { NOTIFIER_DEFINITIONS } from '../notify/notifiers.js';
import { discordErrorReply, handleDiscord } from './discord-sink.js';
import { failureReply, jsonReply, textReply, type Reply } from './reply.js';
import { handleSlack, slackErrorText } from './slack-sink.js';
import { handleTeams, teamsErrorReply } from './teams-sink.js';
import { handleTelegram, telegramError } from './telegram-sink.js';
import type { NotifySink, NotifySinks, RecordedRequest, SinkName, SinkRequest } from './types.js';
import { handleWebhook, webhookErrorReply } from './webhook-sink.js';
import type { SinkSecrets } from './sink-secrets.js';

export type { NotifySink, NotifySinks, SinkName } from './types.js';

/** Every notifier's HTTP sink, in the notifiers' order. */
const SINK_NAMES: readonly SinkName[] = NOTIFIER_DEFINITIONS.flatMap((d) =>
  d.sink.kind === 'http' ? [d.sink.name as SinkName] : [],
);

export function isSinkName(value: unknown): value is SinkName {
  return (SINK_NAMES as readonly unknown[]).includes(value);
}

/** The sink a request path belongs to, by its first segment. */
export function sinkFor(path: string): SinkName | undefined {
  const first = path.split('/')[1];
  return isSinkName(first) ? first : undefined;
}

/** A sink's answer for a fault that names a status (or `failure`), in the service's own shape. */
export function sinkFaultReply(fault: {
  target: SinkName;
  status?: number;
  failure?: boolean;
  body?: string;
}): Reply | undefined {
  if (fault.status === undefined && !fault.failure && fault.body === undefined) return undefined;
  if (fault.target === 'slack') return slackFaultReply(fault);
  if (fault.body !== undefined)
    return { status: fault.status ?? 200, body: fault.body, headers: { 'Content-Type': 'application/json' } };
  if (fault.failure) {
    // A 200 that is not a success: a client must read the body, not only the status.
    return fault.target === 'telegram'
      ? jsonReply(200, {
          ok: false,
          error_code: 400,
          description: 'Bad Request: the sandbox was told to fail this request',
        })
      : jsonReply(200, { error: 'the sandbox was told to fail this request' });
  }
  const status = fault.status as number;
  switch (fault.target) {
    case 'discord':
      return discordErrorReply(status);
    case 'teams':
      return teamsErrorReply(status);
    case 'telegram':
      return telegramError(status);
    case 'webhook':
      return webhookErrorReply(status);
  }
}

/** Slack has no JSON failure: `failure` is a 200 whose body is not "ok", which a client must notice. */
function slackFaultReply(fault: { status?: number; failure?: boolean; body?: string }): Reply {
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

/** How a sink's request shows in the sandbox's log: never its secret path. */
export function sinkLogPath(name: SinkName): string {
  return name === 'slack' ? '/slack/services/***' : `/${name}/***`;
}

/** The answer to a body past the sandbox's limit, in the service's own shape. */
export function sinkTooLargeReply(name: SinkName, maxBytes: number): Reply {
  return name === 'slack'
    ? textReply(413, 'request_too_large')
    : failureReply(413, 'payload_too_large', `bodies are limited to ${maxBytes} bytes`);
}

/**
 * The sinks with these secrets (new ones, or a state file's); `describe` gives their URLs once the
 * port is known. The tokens play secrets: tests check that they never show up in output.
 */
export function createNotifySinks(now: () => Date, secrets: SinkSecrets) {
  const slack = { path: secrets.slackPath };
  const discord = { id: '1234567890123456789', token: secrets.discordToken };
  const teams = { id: secrets.teamsId, sig: secrets.teamsSig };
  const telegram = { token: secrets.telegramToken, chatId: '-1001234567890' };
  const webhook = { path: secrets.webhookPath, secret: secrets.webhookSecret, seen: new Set<string>() };
  const log = (): NotifySink => ({ requests: [], messages: [] });
  const logs = Object.fromEntries(SINK_NAMES.map((name) => [name, log()])) as Record<SinkName, NotifySink>;
  let messageId = 0;

  return {
    record(name: SinkName, request: RecordedRequest): void {
      logs[name].requests.push(request);
    },
    handle(name: SinkName, req: SinkRequest): Reply {
      const accept = (payload: unknown) => void logs[name].messages.push(payload);
      switch (name) {
        case 'slack':
          return handleSlack({ ...req, contentType: req.headers['content-type'] }, slack.path, accept);
        case 'discord':
          return handleDiscord(req, discord, accept);
        case 'teams':
          return handleTeams(req, teams, accept);
        case 'telegram':
          return handleTelegram(req, telegram, accept, () => ++messageId);
        case 'webhook':
          return handleWebhook(req, webhook, accept, now());
      }
    },
    describe(base: string): NotifySinks {
      return {
        slack: { ...logs.slack, url: `${base}${slack.path}` },
        discord: { ...logs.discord, url: `${base}/discord/api/webhooks/${discord.id}/${discord.token}` },
        teams: {
          ...logs.teams,
          url: `${base}/teams/workflows/${teams.id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${teams.sig}`,
        },
        telegram: { ...logs.telegram, apiUrl: `${base}/telegram`, token: telegram.token, chatId: telegram.chatId },
        webhook: { ...logs.webhook, url: `${base}${webhook.path}`, secret: webhook.secret },
      };
    },
  };
}
