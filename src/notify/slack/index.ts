/** Slack, through an incoming webhook: the message renderer is slack-message.ts, the sender slack.ts. */
import { defineNotifier } from '../definition.js';
import { SLACK_ROWS } from './settings.js';

export const slackNotifier = defineNotifier({
  name: 'slack',
  title: 'Slack',
  settings: SLACK_ROWS,
  load: () => import('../slack.js'),
});
