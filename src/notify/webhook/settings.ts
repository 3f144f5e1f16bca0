/** The generic webhook's settings (rows of the settings table; plain data). */
import type { SettingRow } from '../../config/setting-row.js';

export const WEBHOOK_ROWS = [
  { name: 'WEBHOOK_URL', type: 'url', secret: true, doc: 'URL the JSON event is POSTed to (it may hold a token)' },
  {
    name: 'WEBHOOK_SECRET',
    type: 'secret',
    secret: true,
    doc: 'Signing secret (at least 16 characters): adds X-Beluga-Signature, an HMAC-SHA256 of each delivery',
  },
] as const satisfies readonly SettingRow[];
