/** Telegram's Bot API sendMessage: the renderer is telegram-message.ts, the sender telegram.ts. */
import { defineNotifier } from '../definition.js';
import { TELEGRAM_ROWS } from './settings.js';

export const telegramNotifier = defineNotifier({
  name: 'telegram',
  title: 'Telegram',
  settings: TELEGRAM_ROWS,
  enabledBy: ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_CHAT_ID'],
  load: () => import('../telegram.js'),
});
