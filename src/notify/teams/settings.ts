/** Microsoft Teams' settings (rows of the settings table; plain data). */
import type { SettingRow } from '../../config/setting-row.js';

export const TEAMS_ROWS = [
  { name: 'TEAMS_WEBHOOK_URL', type: 'url', secret: true, doc: 'Teams Workflows webhook URL (its sig is the secret)' },
] as const satisfies readonly SettingRow[];
