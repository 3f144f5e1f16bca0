/** Microsoft Teams, through a Workflows webhook: the renderer is teams-message.ts, the sender teams.ts. */
import { defineNotifier } from '../definition.js';
import { TEAMS_ROWS } from './settings.js';

export const teamsNotifier = defineNotifier({
  name: 'teams',
  title: 'Microsoft Teams',
  settings: TEAMS_ROWS,
  load: () => import('../teams.js'),
});
