import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../src/config/settings.js';
import { nodeFetchClient } from '../src/http.js';
import { levelAllows, parseNotifyLevel, syncKind, type NotifyKind, type NotifyLevel } from '../src/notify/level.js';
import {
  buildNotifiers,
  configuredNames,
  howToEnableAny,
  NOTIFIERS,
  type NotifierEntry,
} from '../src/notify/registry.js';
import { startSmtpSink } from './helpers/smtp-sink.js';
import { sinks, testEvent } from './helpers/notify-kit.js';
import { sinkSettings } from './helpers/sandbox.js';

const deps = { http: nodeFetchClient };
const TOKEN = `7000000001:${'a'.repeat(35)}`;

t.test('nothing configured: no notifier, no module loaded, the default level', async (t) => {
  t.strictSame(await buildNotifiers({}, deps), { notifiers: [], level: 'deploys' });
  t.strictSame(configuredNames({}), []);
  t.equal(
    howToEnableAny(),
    'SLACK_WEBHOOK_URL (slack), DISCORD_WEBHOOK_URL (discord), TEAMS_WEBHOOK_URL (teams), TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID (telegram), SMTP_URL (or SMTP_HOST), MAIL_FROM and MAIL_TO (email), WEBHOOK_URL (webhook)',
  );
});

t.test('only configured entries are created (their constructors are the lazy imports)', async (t) => {
  const created: string[] = [];
  const entry = (name: string, setting: string): NotifierEntry => ({
    name,
    enabledBy: [setting],
    howToEnable: setting,
    create: async () => {
      created.push(name);
      return { name } as never;
    },
  });
  const entries = [entry('a', 'A_URL'), entry('b', 'B_URL'), entry('c', 'C_URL')];
  const built = await buildNotifiers({ A_URL: 'x', C_URL: 'y' }, deps, entries);
  t.strictSame(created, ['a', 'c']);
  t.strictSame(
    built.notifiers.map((n) => n.name),
    ['a', 'c'],
  );
});

t.test('all six at once, in registry order, each sending to its sink', async (t) => {
  const sb = await sinks(t);
  const smtp = await startSmtpSink({ user: 'mailer', password: 'mail-pass-1' });
  t.teardown(() => smtp.close());
  const dir = await mkdtemp(join(tmpdir(), 'notify-ca-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'ca.pem'), smtp.caPem);
  const settings = {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_USER: 'mailer',
    SMTP_PASSWORD: 'mail-pass-1',
    SMTP_CA_FILE: join(dir, 'ca.pem'),
    MAIL_FROM: 'certs@example.com',
    MAIL_TO: 'ops@example.com,dev@example.com',
    ...sinkSettings(sb.notify),
    NOTIFY_LEVEL: '3',
  };
  const { notifiers, level } = await buildNotifiers(settings, deps);
  t.equal(level, 'all');
  t.strictSame(
    notifiers.map((n) => n.name),
    NOTIFIERS.map((e) => e.name),
  );
  const results = await Promise.all(notifiers.map((n) => n.test(testEvent)));
  t.strictSame(
    results.map((r) => r.ok),
    [true, true, true, true, true, true],
  );
  for (const name of ['discord', 'teams', 'telegram', 'webhook'] as const)
    t.equal(sb.notify[name].messages.length, 1, name);
  t.equal(sb.slackMessages.length, 1);
  t.strictSame(
    smtp.messages.map((m) => m.to),
    [['ops@example.com', 'dev@example.com']],
  );
});

t.test('every problem of every notifier in one CONFIG error, no secret echoed', async (t) => {
  const settings = {
    DISCORD_WEBHOOK_URL: 'http://discord.example/api/webhooks/1/s3cretDiscord',
    TELEGRAM_BOT_TOKEN: TOKEN,
    WEBHOOK_SECRET: 'x'.repeat(32),
    SLACK_WEBHOOK_URL: 'not a url s3cretSlack',
    NOTIFY_LEVEL: 'loud',
  };
  const err = await buildNotifiers(settings, deps).then(
    () => undefined,
    (e: Error & { code?: string }) => e,
  );
  t.equal(err?.code, 'CONFIG');
  const message = err?.message ?? '';
  for (const part of [
    /NOTIFY_LEVEL must be errors \(1\), deploys \(2, the default\), all \(3\) or none \(0\) \(got loud\)/,
    /SLACK_WEBHOOK_URL is not a URL/,
    /DISCORD_WEBHOOK_URL uses http:\/\//,
    /missing setting: TELEGRAM_CHAT_ID/,
    /missing setting: WEBHOOK_URL/,
  ]) {
    t.match(message, part);
  }
  t.notMatch(message, /s3cret/);
  t.notMatch(message, new RegExp(TOKEN));
});

t.test('every new secret also as NAME_FILE', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'notify-file-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const env: Record<string, string> = { BELUGA_HOOK_CONFIG: 'none' };
  const values: Record<string, string> = {
    DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/from-file',
    TEAMS_WEBHOOK_URL: 'https://x.logic.azure.com/workflows/1?sig=from-file',
    TELEGRAM_BOT_TOKEN: TOKEN,
    WEBHOOK_URL: 'https://hooks.example/from-file',
    WEBHOOK_SECRET: 'from-file-secret-0123456789',
  };
  for (const [name, value] of Object.entries(values)) {
    const path = join(dir, name);
    await writeFile(path, `${value}\n`, { mode: 0o600 });
    env[`${name}_FILE`] = path;
  }
  const { settings } = await loadSettings(env);
  for (const [name, value] of Object.entries(values))
    t.equal((settings as Record<string, string | undefined>)[name], value, name);
  await t.rejects(loadSettings({ ...env, WEBHOOK_SECRET: 'both' }), {
    code: 'CONFIG',
    message: /both WEBHOOK_SECRET and WEBHOOK_SECRET_FILE are set/,
  });
});

t.test('NOTIFY_LEVEL: words and acme.sh numbers; what each level sends', async (t) => {
  const problems: string[] = [];
  const read = (v: string | undefined) => parseNotifyLevel(v, problems);
  t.strictSame(
    [
      read(undefined),
      read(''),
      read('0'),
      read('1'),
      read('2'),
      read('3'),
      read('Errors'),
      read(' all '),
      read('none'),
      read('deploys'),
    ],
    ['deploys', 'deploys', 'none', 'errors', 'deploys', 'all', 'errors', 'all', 'none', 'deploys'],
  );
  t.strictSame(problems, []);
  t.equal(read('4'), 'deploys');
  t.equal(problems.length, 1);
  const kinds: NotifyKind[] = [
    'failure',
    'recovered',
    'sync-failed',
    'success',
    'sync-deployed',
    'skipped',
    'sync-unchanged',
  ];
  const table = (level: NotifyLevel) => kinds.filter((k) => levelAllows(level, k));
  t.strictSame(table('none'), []);
  t.strictSame(table('errors'), ['failure', 'recovered', 'sync-failed']);
  t.strictSame(table('deploys'), ['failure', 'recovered', 'sync-failed', 'success', 'sync-deployed']);
  t.strictSame(table('all'), kinds);
  t.strictSame([syncKind(1, 1), syncKind(1, 0), syncKind(0, 0)], ['sync-failed', 'sync-deployed', 'sync-unchanged']);
});
