/** The e-mail notifier's settings (rows of the settings table; plain data). */
import { timeoutRow, type SettingRow } from '../../config/setting-row.js';

export const EMAIL_ROWS = [
  {
    name: 'SMTP_URL',
    type: 'url',
    secret: true,
    doc: 'smtp://user:password@host:587 (STARTTLS) or smtps://...:465 (TLS), instead of SMTP_HOST and the rest',
  },
  { name: 'SMTP_HOST', type: 'text', doc: 'SMTP server host name' },
  { name: 'SMTP_PORT', type: 'port', default: '587', doc: 'SMTP server port (465 with tls, 25 with none)' },
  { name: 'SMTP_USER', type: 'text', doc: 'SMTP login user (with SMTP_PASSWORD)' },
  { name: 'SMTP_PASSWORD', type: 'secret', secret: true, doc: 'SMTP login password' },
  {
    name: 'SMTP_SECURITY',
    type: 'choice',
    default: 'starttls',
    doc: 'starttls (required, never skipped), tls (TLS from the first byte) or none (only to a loopback relay)',
  },
  { name: 'SMTP_CA_FILE', type: 'path', doc: 'PEM file of extra CA certificates to trust (a private relay)' },
  timeoutRow('SMTP_TIMEOUT', '15', 'Seconds per SMTP step (connecting, greeting, STARTTLS, each reply)'),
  { name: 'MAIL_FROM', type: 'address', doc: 'Sender: name@example.com or Name <name@example.com>' },
  { name: 'MAIL_TO', type: 'addresses', doc: 'Recipients, separated by commas' },
] as const satisfies readonly SettingRow[];
