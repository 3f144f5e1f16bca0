/** Slack, through an incoming webhook: the message renderer is slack-message.ts, the sender slack.ts. */
import { defineNotifier } from '../definition.js';
import { SLACK_ROWS } from './settings.js';

export const slackNotifier = defineNotifier({
  name: 'slack',
  title: 'Slack',
  settings: SLACK_ROWS,
  enabledBy: ['SLACK_WEBHOOK_URL'],
  howToEnable: 'SLACK_WEBHOOK_URL',
  sink: { name: 'slack', kind: 'http' },
  load: () => import('../slack.js'),
});
