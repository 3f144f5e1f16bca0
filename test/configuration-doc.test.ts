/**
 * The settings table is the one source: docs/configuration.md is what it renders (every setting
 * with its default and whether it is a secret), the readers' defaults are the table's, and a
 * misspelt setting name does not compile.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { DEFAULT_ATTEMPTS } from '../src/beluga/retry-policy.js';
import { DEFAULT_BUDGET_S } from '../src/retry.js';
import { DEFAULT_BASE_URL } from '../src/config/build-config.js';
import { configurationDoc } from '../src/config/configuration-doc.js';
import { defaultNumber, NUMBER_SETTINGS } from '../src/config/numbers.js';
import { ENVIRONMENT_ROWS, SETTING_ROWS } from '../src/config/settings-table.js';
import { DEFAULT_CONFIG_PATH, SECRET_NAMES, SETTING_NAMES, type Settings } from '../src/config/settings.js';
import { DEFAULT_STATE_DIR } from '../src/journal/index.js';
import { DEFAULT_TIMEOUT_S as SMTP_DEFAULT_S } from '../src/notify/email-config.js';
import { DEFAULT_NOTIFY_LEVEL } from '../src/notify/level.js';
import { DEFAULT_NOTIFY_TIMEOUT_S } from '../src/notify/notify-settings.js';
import { DEFAULT_TELEGRAM_API_URL } from '../src/notify/telegram.js';
import { DEFAULT_VERIFY_TIMEOUT_S } from '../src/verify/verify-settings.js';
import { ROOT } from './helpers/run-cli.js';

const doc = readFileSync(`${ROOT}docs/configuration.md`, 'utf8');

t.test('docs/configuration.md is the table rendered (regenerate: node scripts/configuration-doc.mjs)', async (t) => {
  t.equal(doc, configurationDoc());
});

t.test('every setting is in the reference with its default and whether it is a secret', async (t) => {
  const rows = new Map<string, { def: string; secret: boolean; meaning: string }>();
  for (const m of doc.matchAll(/^\| `([A-Z0-9_]+)` \| (?:`([^`]*)`)? \| (yes)? \| (.+) \|$/gm)) {
    rows.set(m[1]!, { def: m[2] ?? '', secret: m[3] === 'yes', meaning: m[4]! });
  }
  t.same([...rows.keys()].sort(), [...SETTING_NAMES, ...ENVIRONMENT_ROWS.map((r) => r.name)].sort());
  for (const row of [...SETTING_ROWS, ...ENVIRONMENT_ROWS]) {
    const shown = rows.get(row.name);
    t.equal(shown?.def, row.default ?? '', `${row.name}: default`);
    t.equal(shown?.secret, SECRET_NAMES.includes(row.name as never), `${row.name}: secret or not`);
    t.ok(shown && shown.meaning.length > 10, `${row.name}: has a meaning`);
  }
});

t.test('the table is consistent: names unique, numbers with a range and a default inside it', async (t) => {
  const names = SETTING_ROWS.map((r) => r.name);
  t.equal(new Set(names).size, names.length, 'no name twice');
  for (const row of SETTING_ROWS) {
    t.match(row.name, /^(BELUGA|SLACK|DISCORD|TEAMS|TELEGRAM|SMTP|MAIL|WEBHOOK|NOTIFY)_[A-Z0-9_]+$/, row.name);
    t.equal(Boolean(row.range), row.type === 'seconds' || row.type === 'attempts', `${row.name}: a range iff numeric`);
    if (!row.range) continue;
    t.equal(NUMBER_SETTINGS[row.name], row.range, `${row.name}: the parser's range is the table's`);
    const n = Number(row.default);
    t.ok(row.range.aboveMin ? n > row.range.min : n >= row.range.min, `${row.name}: default above the minimum`);
    t.ok(n <= row.range.max, `${row.name}: default under the maximum`);
  }
});

t.test("the readers' defaults are the table's", async (t) => {
  const def = (name: string) => [...SETTING_ROWS, ...ENVIRONMENT_ROWS].find((r) => r.name === name)?.default;
  t.equal(DEFAULT_ATTEMPTS, defaultNumber('BELUGA_RETRIES'));
  t.equal(DEFAULT_BUDGET_S, defaultNumber('BELUGA_RUN_BUDGET'));
  t.equal(DEFAULT_VERIFY_TIMEOUT_S, defaultNumber('BELUGA_VERIFY_TIMEOUT'));
  t.equal(DEFAULT_NOTIFY_TIMEOUT_S, defaultNumber('NOTIFY_TIMEOUT'));
  t.equal(SMTP_DEFAULT_S, defaultNumber('SMTP_TIMEOUT'));
  t.equal(DEFAULT_BASE_URL, def('BELUGA_BASE_URL'));
  t.equal(DEFAULT_STATE_DIR, def('BELUGA_HOOK_STATE_DIR'));
  t.equal(DEFAULT_CONFIG_PATH, def('BELUGA_HOOK_CONFIG'));
  t.equal(DEFAULT_TELEGRAM_API_URL, def('TELEGRAM_API_URL'));
  t.equal(DEFAULT_NOTIFY_LEVEL, def('NOTIFY_LEVEL'));
});

t.test('Settings is typed by the table: a misspelt name does not compile (npm run typecheck)', async (t) => {
  const settings: Settings = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x' };
  // @ts-expect-error SLACK_WEBHOOK is not a setting (the typecheck fails if this compiles)
  t.equal(settings.SLACK_WEBHOOK, undefined);
  // @ts-expect-error nor is BELUGA_EDGE_ADRESS
  const misspelt: Settings = { BELUGA_EDGE_ADRESS: '127.0.0.1:443' };
  t.ok(misspelt);
  t.equal(settings.SLACK_WEBHOOK_URL, 'https://hooks.slack.com/services/T/B/x');
});
