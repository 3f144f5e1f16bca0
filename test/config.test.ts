import t, { type Test } from 'tap';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBelugaConfig, secretValues } from '../src/config/build-config.js';
import { buildSlackConfig } from '../src/notify/slack.js';
import { loadSettings, parseConfigText } from '../src/config/settings.js';

const token = { BELUGA_TOKEN_ID: 'id1', BELUGA_TOKEN_SECRET: 'tok-secret' };
const basic = { BELUGA_USERNAME: 'ops@example.com', BELUGA_PASSWORD: 'pw-secret' };

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bch-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const configError = (t: Test, fn: () => unknown, pattern: RegExp) =>
  t.throws(fn, { name: 'HookError', code: 'CONFIG', message: pattern });
const configReject = (t: Test, p: Promise<unknown>, pattern: RegExp) =>
  t.rejects(p, { name: 'HookError', code: 'CONFIG', message: pattern });

t.test('config file syntax: comments, export, quotes, CRLF, BOM', async (t) => {
  const s = parseConfigText(
    '\uFEFF# comment\r\nexport BELUGA_SITE="my site"\r\n\r\nBELUGA_CERT_ID = 42 \nSLACK_CHANNEL=\'#ops\'\n',
    'f',
  );
  t.same(s, { BELUGA_SITE: 'my site', BELUGA_CERT_ID: '42', SLACK_CHANNEL: '#ops' });
  t.throws(() => parseConfigText('BELUGA_SITE=x\nnot a setting\n', '/etc/x'), /\/etc\/x line 2 is not KEY=VALUE/);
});

t.test('token wins over basic; half a pair names the missing half', async (t) => {
  t.same(buildBelugaConfig({ ...token, ...basic }).auth, { kind: 'token', tokenId: 'id1', tokenSecret: 'tok-secret' });
  t.same(buildBelugaConfig(basic).auth, { kind: 'basic', username: 'ops@example.com', password: 'pw-secret' });
  configError(t, () => buildBelugaConfig({ BELUGA_TOKEN_ID: 'x', ...basic }), /missing setting: BELUGA_TOKEN_SECRET/);
  configError(t, () => buildBelugaConfig({ BELUGA_PASSWORD: 'x' }), /missing setting: BELUGA_USERNAME/);
});

t.test('every problem is named in one message', async (t) => {
  try {
    buildBelugaConfig({ BELUGA_BASE_URL: 'http://cdn.example.com', BELUGA_SEND_CHAIN: 'maybe', BELUGA_TIMEOUT: '-1' });
    t.fail('should throw');
  } catch (err) {
    const msg = (err as Error).message;
    t.match(msg, /BELUGA_TOKEN_ID and BELUGA_TOKEN_SECRET \(or BELUGA_USERNAME and BELUGA_PASSWORD\)/);
    t.match(msg, /BELUGA_BASE_URL uses http:\/\/ to a non-loopback host/);
    t.match(msg, /BELUGA_SEND_CHAIN must be true or false/);
    t.match(msg, /BELUGA_TIMEOUT must be a number of seconds/);
    t.notMatch(msg, /\n/);
  }
});

t.test('http only to loopback; defaults', async (t) => {
  for (const url of ['http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:9', 'https://api.example.net/']) {
    t.ok(buildBelugaConfig({ ...token, BELUGA_BASE_URL: url }), url);
  }
  configError(t, () => buildBelugaConfig({ ...token, BELUGA_BASE_URL: 'http://10.0.0.1' }), /use https/);
  configError(t, () => buildBelugaConfig({ ...token, BELUGA_BASE_URL: 'ftp://x' }), /must be an https/);
  const c = buildBelugaConfig({ ...token, BELUGA_SEND_CHAIN: 'false', BELUGA_CERT_ID: '7', BELUGA_SITE: 's' });
  t.same(
    [c.baseUrl, c.sendChain, c.certId, c.site, c.timeoutMs],
    ['https://api.belugacdn.com', false, '7', 's', 20000],
  );
  t.equal(buildBelugaConfig({ ...token, BELUGA_BASE_URL: 'https://x.test/base/' }).baseUrl, 'https://x.test/base');
});

t.test('slack: absent means no notifier; the URL is never echoed', async (t) => {
  t.equal(buildSlackConfig({}), undefined);
  const s = buildSlackConfig({
    SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
    SLACK_CHANNEL: '#general',
  });
  t.equal(s?.channel, '#general');
  t.equal(s?.username, undefined);
  try {
    buildSlackConfig({ SLACK_WEBHOOK_URL: 'http://hooks.example.com/services/T/B/SECRETPART' });
    t.fail('should throw');
  } catch (err) {
    t.match((err as Error).message, /SLACK_WEBHOOK_URL uses http/);
    t.notMatch((err as Error).message, /SECRETPART/);
  }
});

t.test('environment wins over the config file; NAME_FILE secrets', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'env');
  const secretFile = join(dir, 'secret');
  await writeFile(secretFile, 'from-file-secret\n', { mode: 0o600 });
  await writeFile(file, `BELUGA_TOKEN_ID=file-id\nBELUGA_TOKEN_SECRET_FILE=${secretFile}\nBELUGA_SITE=file-site\n`, {
    mode: 0o600,
  });
  const { settings } = await loadSettings({ BELUGA_HOOK_CONFIG: file, BELUGA_SITE: 'env-site' });
  t.equal(settings.BELUGA_SITE, 'env-site');
  t.equal(settings.BELUGA_TOKEN_ID, 'file-id');
  t.equal(settings.BELUGA_TOKEN_SECRET, 'from-file-secret');
  t.same(secretValues(settings), ['from-file-secret']);
  await configReject(
    t,
    loadSettings({ BELUGA_HOOK_CONFIG: file, BELUGA_TOKEN_SECRET: 'x' }),
    /both BELUGA_TOKEN_SECRET and BELUGA_TOKEN_SECRET_FILE/,
  );
  await configReject(
    t,
    loadSettings({ BELUGA_HOOK_CONFIG: 'none', BELUGA_PASSWORD_FILE: join(dir, 'nope') }),
    /BELUGA_PASSWORD_FILE=.*cannot be read \(ENOENT\)/,
  );
  await writeFile(join(dir, 'empty'), '');
  await configReject(
    t,
    loadSettings({ BELUGA_HOOK_CONFIG: 'none', BELUGA_PASSWORD_FILE: join(dir, 'empty') }),
    /is empty/,
  );
});

t.test('a config file with secrets readable by others is refused, like ssh', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'env');
  await writeFile(file, 'BELUGA_PASSWORD=hunter22\n');
  await chmod(file, 0o644);
  await configReject(
    t,
    loadSettings({ BELUGA_HOOK_CONFIG: file }),
    new RegExp(
      `holds secrets \\(BELUGA_PASSWORD\\) but its mode 0644 lets others read it; fix with: chmod 600 ${file}`,
    ),
  );
  await chmod(file, 0o640);
  await configReject(t, loadSettings({ BELUGA_HOOK_CONFIG: file }), /mode 0640/);
  await chmod(file, 0o600);
  t.equal((await loadSettings({ BELUGA_HOOK_CONFIG: file })).settings.BELUGA_PASSWORD, 'hunter22');
  // No secret inside: group-readable is fine.
  await writeFile(file, 'BELUGA_SITE=x\n');
  await chmod(file, 0o644);
  t.equal((await loadSettings({ BELUGA_HOOK_CONFIG: file })).settings.BELUGA_SITE, 'x');
});

t.test('missing config: fine by default, an error when named', async (t) => {
  const dir = await tempDir(t);
  await configReject(t, loadSettings({ BELUGA_HOOK_CONFIG: join(dir, 'missing') }), /does not exist/);
  await configReject(t, loadSettings({ BELUGA_HOOK_CONFIG: dir }), /is not a regular file/);
  t.same((await loadSettings({ BELUGA_HOOK_CONFIG: 'none', BELUGA_SITE: 's' })).settings, {
    BELUGA_HOOK_CONFIG: 'none',
    BELUGA_SITE: 's',
  });
});
