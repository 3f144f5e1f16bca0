/** A generic signed JSON webhook: the event is webhook-event.ts, the sender webhook.ts. */
import { defineNotifier } from '../definition.js';
import { WEBHOOK_ROWS } from './settings.js';

export const webhookNotifier = defineNotifier({
  name: 'webhook',
  title: 'Generic webhook',
  settings: WEBHOOK_ROWS,
  enabledBy: ['WEBHOOK_URL', 'WEBHOOK_SECRET'],
  howToEnable: 'WEBHOOK_URL',
  load: () => import('../webhook.js'),
});
