/**
 * A name that looks like a setting but is none is named on every command, with the setting it
 * probably meant: in the config file (any name) and in the environment (the project's prefixes).
 */
import t, { type Test } from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../src/config/settings.js';
import { closestName, unknownSettingLine, unknownSettings } from '../src/config/unknown-settings.js';
import { runCli } from './helpers/run-cli.js';

async function configFile(t: Test, text: string, dirName = 'unknown-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), dirName));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'env');
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

t.test('the CLI warns, with a did-you-mean, for a misspelt name in the file and in the environment', async (t) => {
  const text = 'SLACK_WEBHOOK=https://hooks.slack.com/services/T0/B0/notASecretHere\nBELUGA_SITE=example\n';
  const path = await configFile(t, text);
  const env = { BELUGA_HOOK_CONFIG: path, BELUGA_EDGE_ADRESS: '127.0.0.1:443', HOME_DIR_X: 'not ours' };
  const r = await runCli(['pending'], env);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('warning:'));
  t.strictSame(lines, [
    `warning: SLACK_WEBHOOK in ${path} is not a setting and is ignored; did you mean SLACK_WEBHOOK_URL?`,
    'warning: environment variable BELUGA_EDGE_ADRESS is not a setting and is ignored; ' +
      'did you mean BELUGA_EDGE_ADDRESS?',
  ]);
  t.notMatch(r.stdout + r.stderr, /notASecretHere|127\.0\.0\.1:443/, 'names only, never values');

  const json = await runCli(['pending', '--json'], env);
  t.equal(json.code, 0, json.stderr);
  t.strictSame(JSON.parse(json.stdout), [], 'with --json stdout stays one JSON document');
  t.match(json.stderr, /^warning: SLACK_WEBHOOK in .* did you mean SLACK_WEBHOOK_URL\?$/m);
  t.match(json.stderr, /^warning: environment variable BELUGA_EDGE_ADRESS .* did you mean BELUGA_EDGE_ADDRESS\?$/m);
});

t.test('no warning for settings, NAME_FILE of a secret, environment-only names or other variables', async (t) => {
  const path = await configFile(t, 'BELUGA_TOKEN_ID=id\nBELUGA_TOKEN_SECRET=s3cret-value\nNOTIFY_LEVEL=all\n');
  const env = {
    BELUGA_HOOK_CONFIG: path,
    BELUGA_CERT_BIN: '/usr/bin/beluga-cert',
    SLACK_WEBHOOK_URL_FILE: path,
    PATH_EXTRA: 'x',
    LANG: 'C',
  };
  const r = await runCli(['pending'], env);
  t.equal(r.code, 0, r.stderr);
  t.notMatch(r.stdout + r.stderr, /warning:/);
});

t.test('a secret in the config path is hidden in the warning like anywhere else', async (t) => {
  const secret = 'tok-secret-in-path-123';
  const text = `BELUGA_TOKEN_ID=id\nBELUGA_TOKEN_SECRET=${secret}\nBELUGA_VERIFY_TIMOUT=5\n`;
  const path = await configFile(t, text, `${secret}-`);
  const lines: string[] = [];
  await loadSettings({ BELUGA_HOOK_CONFIG: path }, { warn: (line) => lines.push(line) });
  t.equal(lines.length, 1);
  t.match(lines[0], /^warning: BELUGA_VERIFY_TIMOUT in .*\[REDACTED\].* did you mean BELUGA_VERIFY_TIMEOUT\?$/);
  t.notMatch(lines[0], new RegExp(secret));
});

t.test('unknownSettings: file names (any), environment names (prefixed only), each once', async (t) => {
  const found = unknownSettings({
    file: { path: '/etc/x', settings: { SLACK_WEBHOOK: 'u', FOO: '1', BELUGA_SITE: 's' } },
    env: { SLACK_WEBHOOK: 'u', BELUGA_RETRYS: '3', MAIL_TOO: 'a@b.c', OTHER_THING: '1', BELUGA_PASSWORD_FILE: '/p' },
  });
  t.strictSame(found, [
    { name: 'SLACK_WEBHOOK', source: { kind: 'file', path: '/etc/x' }, suggestion: 'SLACK_WEBHOOK_URL' },
    { name: 'FOO', source: { kind: 'file', path: '/etc/x' } },
    { name: 'BELUGA_RETRYS', source: { kind: 'env' }, suggestion: 'BELUGA_RETRIES' },
    { name: 'MAIL_TOO', source: { kind: 'env' }, suggestion: 'MAIL_TO' },
  ]);
  t.equal(
    unknownSettingLine(found[1]!),
    'warning: FOO in /etc/x is not a setting and is ignored; see docs/configuration.md for the settings',
  );
});

t.test('closestName: typos, swaps, missing tails, case; nothing for a far name', async (t) => {
  t.equal(closestName('BELUGA_EDGE_ADRESS'), 'BELUGA_EDGE_ADDRESS');
  t.equal(closestName('BELUGA_TOKEN_SECERT'), 'BELUGA_TOKEN_SECRET');
  t.equal(closestName('SLACK_WEBHOOK'), 'SLACK_WEBHOOK_URL');
  t.equal(closestName('slack_webhook_url'), 'SLACK_WEBHOOK_URL');
  t.equal(closestName('TELEGRAM_CHATID'), 'TELEGRAM_CHAT_ID');
  t.equal(closestName('SMTP_PASSWD'), 'SMTP_PASSWORD');
  t.equal(closestName('BELUGA_PASSWORD_FIEL'), 'BELUGA_PASSWORD_FILE');
  t.equal(closestName('BELUGA_SOMETHING_ELSE_ENTIRELY'), undefined);
  t.equal(closestName('FOO'), undefined);
});
