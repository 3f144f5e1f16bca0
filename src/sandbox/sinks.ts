/**
 * Every notifier's sandbox sink, one line each, in the notifiers' order (notify/notifiers.ts): the
 * server, the state file's secrets and the banner loop over this list.
 */
import type { NOTIFIER_DEFINITIONS } from '../notify/notifiers.js';
import { discordSink } from './discord-sink.js';
import type { NotifySink, SinkDefinition } from './sink-definition.js';
import { slackSink } from './slack-sink.js';
import { teamsSink } from './teams-sink.js';
import { telegramSink } from './telegram-sink.js';
import { webhookSink } from './webhook-sink.js';

export const SINKS = inNotifierOrder([slackSink, discordSink, teamsSink, telegramSink, webhookSink] as const);

type AnySink = (typeof SINKS)[number];

/** Where to point each notifier at the sandbox, and what each sink saw. */
export type NotifySinks = { [S in AnySink as S['name']]: NotifySink & ReturnType<S['describe']> };

/** The state file's name for each secret: the sink's name, then the secret's (slackPath, teamsSig...). */
export type SinkSecrets = { [S in AnySink as `${S['name']}${Capitalize<keyof S['secrets'] & string>}`]: string };

/** The names of the notifiers' HTTP sinks, in the notifiers' order. */
type HttpSinkNames<T extends readonly unknown[]> = T extends readonly [infer First, ...infer Rest]
  ? First extends { sink: { kind: 'http'; name: infer N } }
    ? [N, ...HttpSinkNames<Rest>]
    : HttpSinkNames<Rest>
  : [];
type NamesOf<T extends readonly { name: string }[]> = { -readonly [I in keyof T]: T[I]['name'] };

/** Refuses (at compile time) a list that misses a notifier's sink, adds one, or has them in another order. */
function inNotifierOrder<const T extends readonly { name: string }[]>(
  sinks: T &
    (NamesOf<T> extends HttpSinkNames<typeof NOTIFIER_DEFINITIONS>
      ? HttpSinkNames<typeof NOTIFIER_DEFINITIONS> extends NamesOf<T>
        ? unknown
        : { error: 'a sink per HTTP notifier, in the notifiers order' }
      : { error: 'a sink per HTTP notifier, in the notifiers order' }),
): T {
  return sinks;
}

/**
 * The settings that point these notifiers (every one by default) at the sandbox's sinks, as the
 * banner prints them: SLACK_WEBHOOK_URL, TELEGRAM_BOT_TOKEN, WEBHOOK_SECRET...
 */
export function sinkSettings(
  notify: NotifySinks,
  only: readonly AnySink['name'][] = SINKS.map((sink) => sink.name),
): Record<string, string> {
  const chosen: readonly SinkDefinition[] = SINKS.filter((sink) => only.includes(sink.name));
  return Object.fromEntries(chosen.flatMap((sink) => sink.settings(notify[sink.name as AnySink['name']])));
}
