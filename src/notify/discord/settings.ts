/** Discord's settings (rows of the settings table; plain data). */
import type { SettingRow } from '../../config/setting-row.js';

export const DISCORD_ROWS = [
  { name: 'DISCORD_WEBHOOK_URL', type: 'url', secret: true, doc: 'Discord webhook URL (it holds the webhook token)' },
  { name: 'DISCORD_USERNAME', type: 'text', doc: "Name the message is posted under (default: the webhook's own name)" },
] as const satisfies readonly SettingRow[];
