/**
 * docs/configuration.md, rendered from the settings table, so the reference can never drift from
 * what the code reads (scripts/configuration-doc.mjs writes it; a test checks it is up to date).
 */
import type { SettingRow } from './setting-row.js';
import { ENVIRONMENT_ROWS, SETTING_GROUPS } from './settings-table.js';

const INTRO = `# Configuration reference

Generated from the settings table (\`src/config/settings-table.ts\` and each notifier's
\`src/notify/NAME/settings.ts\`) by \`node scripts/configuration-doc.mjs\` after \`npm run build\`;
\`test/configuration-doc.test.ts\` fails when this file and the table disagree.

Settings are read from the environment and from the config file (\`KEY=VALUE\` lines at
\`BELUGA_HOOK_CONFIG\`); the environment wins. A **secret** is never printed (every output and
every notification is redacted), may be given as \`NAME_FILE\` (a file holding the value), and
makes a config file that group or others can read an error. A name in the config file, or an
environment variable starting with one of \`BELUGA_\`, \`SLACK_\`, \`DISCORD_\`, \`TEAMS_\`,
\`TELEGRAM_\`, \`SMTP_\`, \`MAIL_\`, \`WEBHOOK_\`, \`NOTIFY_\`, that is none of these gets a warning
naming the closest setting.
`;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function range(row: SettingRow): string {
  const r = row.range;
  if (!r) return '';
  const from = r.aboveMin ? `above ${r.min}` : `from ${r.min}`;
  return `; ${from} to ${r.max}${r.whole ? ', whole numbers' : ''}`;
}

function table(rows: readonly SettingRow[]): string[] {
  return [
    '| Name | Default | Secret | Meaning |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| \`${row.name}\` | ${row.default === undefined ? '' : `\`${cell(row.default)}\``} ` +
        `| ${row.secret ? 'yes' : ''} | ${cell(row.doc)}${range(row)} |`,
    ),
  ];
}

/** The whole of docs/configuration.md. */
export function configurationDoc(): string {
  const lines = [INTRO];
  for (const group of SETTING_GROUPS) lines.push(`## ${group.title}`, '', ...table(group.rows), '');
  lines.push('## Environment only', '', 'Read from the environment, never from the config file.', '');
  lines.push(...table(ENVIRONMENT_ROWS), '');
  return lines.join('\n');
}
