/** The settings every notifier shares (rows of the settings table; plain data). */
import { timeoutRow, type SettingRow } from '../config/setting-row.js';

export const NOTIFY_ROWS = [
  {
    name: 'NOTIFY_LEVEL',
    type: 'choice',
    default: 'deploys',
    doc: 'What is sent: errors (1), deploys (2: also each deploy), all (3: also skips and quiet syncs) or none (0)',
  },
  timeoutRow('NOTIFY_TIMEOUT', '10', 'Seconds to wait for each answer from Discord, Teams, Telegram or the webhook'),
] as const satisfies readonly SettingRow[];
