/** Microsoft Teams, through a Workflows webhook: the renderer is teams-message.ts, the sender teams.ts. */
import { defineNotifier } from '../definition.js';
import { TEAMS_ROWS } from './settings.js';

export const teamsNotifier = defineNotifier({
  name: 'teams',
  title: 'Microsoft Teams',
  settings: TEAMS_ROWS,
  enabledBy: ['TEAMS_WEBHOOK_URL'],
  howToEnable: 'TEAMS_WEBHOOK_URL',
  sink: { name: 'teams', kind: 'http' },
  load: () => import('../teams.js'),
});
