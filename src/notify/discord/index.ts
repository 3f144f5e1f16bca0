/** Discord, through a webhook: the message renderer is discord-message.ts, the sender discord.ts. */
import { defineNotifier } from '../definition.js';
import { DISCORD_ROWS } from './settings.js';

export const discordNotifier = defineNotifier({
  name: 'discord',
  title: 'Discord',
  settings: DISCORD_ROWS,
  load: () => import('../discord.js'),
});
