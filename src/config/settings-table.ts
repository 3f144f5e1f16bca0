/**
 * Every setting the tool reads, once: its name, type, default, whether it is a secret, the range
 * of a number and one line of documentation. The typed `Settings`, the NAME_FILE handling, the
 * secrets redaction hides, the unknown-name check and docs/configuration.md all come from here.
 * The notifiers' rows come from their own definitions (notify/notifiers.ts).
 */
import { NOTIFIER_DEFINITIONS } from '../notify/notifiers.js';
import { NOTIFY_ROWS } from '../notify/shared-settings.js';
import { timeoutRow, type SettingRow, type SettingsOf } from './setting-row.js';

const SECONDS = (min: number, max: number) => ({ unit: 'seconds', min, max }) as const;

/** The CDN side: credentials, the record, the run's limits, the journal and the edge check. */
export const BELUGA_ROWS = [
  { name: 'BELUGA_USERNAME', type: 'text', doc: 'Account e-mail for HTTP Basic auth (with BELUGA_PASSWORD)' },
  { name: 'BELUGA_PASSWORD', type: 'secret', secret: true, doc: 'Account password for HTTP Basic auth' },
  { name: 'BELUGA_TOKEN_ID', type: 'text', doc: 'API token id (HMAC-SHA512 signing); wins over basic auth' },
  { name: 'BELUGA_TOKEN_SECRET', type: 'secret', secret: true, doc: 'API token secret (with BELUGA_TOKEN_ID)' },
  {
    name: 'BELUGA_BASE_URL',
    type: 'url',
    default: 'https://api.belugacdn.com',
    doc: 'API base; http:// only to loopback; no user:password@, ?query or #fragment',
  },
  { name: 'BELUGA_CERT_ID', type: 'text', doc: 'Update exactly this certificate record' },
  { name: 'BELUGA_SITE', type: 'text', doc: 'Create a certificate for this site when no record holds the domain' },
  { name: 'BELUGA_SEND_CHAIN', type: 'boolean', default: 'true', doc: 'false leaves the chain out of updates' },
  {
    name: 'BELUGA_ALLOW_NAME_LOSS',
    type: 'boolean',
    default: 'false',
    doc: 'true updates even when served names would be lost (as --allow-name-loss)',
  },
  timeoutRow('BELUGA_TIMEOUT', '20', 'Seconds per request to the Beluga API'),
  {
    name: 'BELUGA_RETRIES',
    type: 'attempts',
    default: '4',
    range: { unit: 'attempts', min: 1, max: 10, whole: true },
    doc: 'Attempts per request when Beluga answers 429 or 5xx, times out or drops the connection',
  },
  {
    name: 'BELUGA_RUN_BUDGET',
    type: 'seconds',
    default: '90',
    range: SECONDS(5, 3600),
    doc: "Seconds one run may take in all, retries and waits included (under lego's 120 s)",
  },
  {
    name: 'BELUGA_HOOK_STATE_DIR',
    type: 'path',
    default: '/var/lib/beluga-cert-hook',
    doc: 'The journal and its locks (made 0700)',
  },
  {
    name: 'BELUGA_RETRY_INTERVAL',
    type: 'text',
    doc: 'How often beluga-cert retry runs here (e.g. 5 minutes), as failure messages say it',
  },
  {
    name: 'BELUGA_VERIFY',
    type: 'choice',
    default: 'auto',
    doc: 'When to check that the edge serves the upload: auto, hook, later or off',
  },
  {
    name: 'BELUGA_VERIFY_TIMEOUT',
    type: 'seconds',
    default: '45',
    range: SECONDS(1, 600),
    doc: 'Seconds one run may poll the edge (never past the run budget)',
  },
  {
    name: 'BELUGA_EDGE_ADDRESS',
    type: 'address',
    doc: "host:port (or [IPv6]:port) of the edge to ask, instead of each name's DNS answer on 443",
  },
  {
    name: 'BELUGA_CA_FILE',
    type: 'path',
    doc: 'PEM file of extra trust anchors (a private CA) for the check that browsers would trust the certificate',
  },
  {
    name: 'BELUGA_ALLOW_UNTRUSTED',
    type: 'boolean',
    default: 'false',
    doc: 'true uploads a certificate browsers would not trust (said in every run); loopback sandboxes only warn anyway',
  },
] as const satisfies readonly SettingRow[];

/** Read from the environment only (never from the config file), so never reported as unknown there. */
export const ENVIRONMENT_ROWS = [
  {
    name: 'BELUGA_HOOK_CONFIG',
    type: 'path',
    default: '/etc/beluga-cert-hook/env',
    doc: 'Path of the config file, or none to read no file',
  },
  {
    name: 'BELUGA_CERT_BIN',
    type: 'path',
    default: 'beluga-cert',
    doc: 'The acme.sh deploy hook: the beluga-cert executable to run',
  },
] as const satisfies readonly SettingRow[];

type NotifierRows = (typeof NOTIFIER_DEFINITIONS)[number]['settings'];

/** The settings in the groups docs/configuration.md shows them in. */
export const SETTING_GROUPS: ReadonlyArray<{ title: string; rows: readonly SettingRow[] }> = [
  { title: 'Beluga CDN', rows: BELUGA_ROWS },
  { title: 'Every notifier', rows: NOTIFY_ROWS },
  ...NOTIFIER_DEFINITIONS.map((d) => ({ title: d.title, rows: d.settings })),
];

/** Every setting, in that order. */
export const SETTING_ROWS: readonly SettingRow[] = SETTING_GROUPS.flatMap((group) => group.rows);

export type SettingName = (typeof BELUGA_ROWS | typeof NOTIFY_ROWS | NotifierRows)[number]['name'];
type SecretRow = Extract<(typeof BELUGA_ROWS | typeof NOTIFY_ROWS | NotifierRows)[number], { secret: true }>;
export type SecretName = SecretRow['name'];

/** The settings, typed: a misspelt name does not compile. */
export type Settings = SettingsOf<typeof BELUGA_ROWS> & SettingsOf<typeof NOTIFY_ROWS> & SettingsOf<NotifierRows>;

export const SETTING_NAMES: readonly SettingName[] = SETTING_ROWS.map((row) => row.name as SettingName);
export const SECRET_NAMES: readonly SecretName[] = SETTING_ROWS.filter((row) => row.secret).map(
  (row) => row.name as SecretName,
);

/** Every name the tool reads: the settings, each secret's NAME_FILE, and the environment-only names. */
export const KNOWN_NAMES: readonly string[] = [
  ...SETTING_NAMES,
  ...SECRET_NAMES.map((name) => `${name}_FILE`),
  ...ENVIRONMENT_ROWS.map((row) => row.name),
];
