/** Slack's settings (rows of the settings table; plain data). */
import { timeoutRow, type SettingRow } from '../../config/setting-row.js';

export const SLACK_ROWS = [
  { name: 'SLACK_WEBHOOK_URL', type: 'url', secret: true, doc: 'Slack incoming-webhook URL; unset: no Slack message' },
  { name: 'SLACK_CHANNEL', type: 'text', doc: 'Channel to post to (legacy webhooks only honour it)' },
  { name: 'SLACK_USERNAME', type: 'text', doc: 'Name to post under (legacy webhooks only)' },
  { name: 'SLACK_ICON_EMOJI', type: 'text', doc: 'Icon emoji to post with, e.g. :lock: (legacy webhooks only)' },
  timeoutRow('SLACK_TIMEOUT', '10', "Seconds to wait for Slack's answer (3 attempts, 429 and 5xx retried)"),
] as const satisfies readonly SettingRow[];
