/** E-mail over SMTP: settings in email-config.ts, the message email-message.ts, the sender email.ts. */
import { defineNotifier } from '../definition.js';
import { EMAIL_ROWS } from './settings.js';

export const emailNotifier = defineNotifier({
  name: 'email',
  title: 'E-mail (SMTP)',
  settings: EMAIL_ROWS,
  enabledBy: EMAIL_ROWS.map((row) => row.name),
  howToEnable: 'SMTP_URL (or SMTP_HOST), MAIL_FROM and MAIL_TO',
  sink: { name: 'smtp', kind: 'smtp' },
  // Only the settings are checked on load: nodemailer itself is imported by the first send.
  load: () => import('../email.js'),
});
