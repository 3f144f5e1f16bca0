/** Discord, through a webhook: the message renderer is discord-message.ts, the sender discord.ts. */
import { defineNotifier } from '../definition.js';
import { DISCORD_ROWS } from './settings.js';

export const discordNotifier = defineNotifier({
  name: 'discord',
  title: 'Discord',
  settings: DISCORD_ROWS,
  enabledBy: ['DISCORD_WEBHOOK_URL'],
  howToEnable: 'DISCORD_WEBHOOK_URL',
  sink: { name: 'discord', kind: 'http' },
  load: () => import('../discord.js'),
});
