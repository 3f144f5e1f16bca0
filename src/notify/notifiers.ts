/**
 * Every notifier, in the order their messages are sent. The registry, the settings table (names,
 * secrets, docs) and the sandbox's sinks are derived from this list: a new notifier is its folder
 * plus one line here.
 */
import { discordNotifier } from './discord/index.js';
import { emailNotifier } from './email/index.js';
import { slackNotifier } from './slack/index.js';
import { teamsNotifier } from './teams/index.js';
import { telegramNotifier } from './telegram/index.js';
import { webhookNotifier } from './webhook/index.js';

export const NOTIFIER_DEFINITIONS = [
  slackNotifier,
  discordNotifier,
  teamsNotifier,
  telegramNotifier,
  emailNotifier,
  webhookNotifier,
] as const;

/** The sandbox sinks, one per notifier. */
export type SinkNameOf<K extends 'http' | 'smtp'> = Extract<
  (typeof NOTIFIER_DEFINITIONS)[number]['sink'],
  { kind: K }
>['name'];
