/** Telegram's settings (rows of the settings table; plain data). */
import type { SettingRow } from '../../config/setting-row.js';

export const TELEGRAM_ROWS = [
  { name: 'TELEGRAM_BOT_TOKEN', type: 'secret', secret: true, doc: 'Bot token from @BotFather (digits:secret part)' },
  { name: 'TELEGRAM_CHAT_ID', type: 'text', doc: 'Chat to post to: a numeric id (-100... for channels) or @channel' },
  {
    name: 'TELEGRAM_API_URL',
    type: 'url',
    default: 'https://api.telegram.org',
    doc: 'Bot API base URL (a local Bot API server, or the sandbox)',
  },
] as const satisfies readonly SettingRow[];
