/**
 * The sandbox's sinks as one list: one per HTTP notifier in the notifiers' order, their secrets in
 * the state file under the names and in the order older files use, their URLs and the banner's
 * SETTING=value lines exactly as documented, whatever the list's loops make of the definitions.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOTIFIER_DEFINITIONS } from '../src/notify/notifiers.js';
import { formatSandboxBanner } from '../src/sandbox/index.js';
import { createNotifySinks, isSinkName, sinkLogPath } from '../src/sandbox/notify-sinks.js';
import { newSinkSecrets, pickSinkSecrets, readSinkSecrets, type SinkSecrets } from '../src/sandbox/sink-secrets.js';
import { SINKS } from '../src/sandbox/sinks.js';
import { loadState, saveState } from '../src/sandbox/state-file.js';

const SECRETS: SinkSecrets = {
  slackPath: `/slack/services/T00000000/B00000000/${'a1'.repeat(12)}`,
  discordToken: `${'b2'.repeat(30)}-${'c3'.repeat(4)}`,
  teamsId: 'd4'.repeat(16),
  teamsSig: `${'Ef_-'.repeat(10)}xyz`,
  telegramToken: `7000000001:AA${'Gh-_'.repeat(8)}`,
  webhookPath: `/webhook/${'e5'.repeat(12)}`,
  webhookSecret: 'f6'.repeat(32),
};
const STATE_KEYS = ['port', 'edgePort', ...Object.keys(SECRETS)];

t.test('SINKS holds one sink per HTTP notifier, in the notifiers order', async (t) => {
  const http = NOTIFIER_DEFINITIONS.flatMap((d) => (d.sink.kind === 'http' ? [d.sink.name] : []));
  t.same(
    SINKS.map((s) => s.name),
    http,
  );
  t.notOk(isSinkName('smtp'));
  t.same(
    SINKS.map((s) => sinkLogPath(s.name)),
    ['/slack/services/***', '/discord/***', '/teams/***', '/telegram/***', '/webhook/***'],
  );
});

t.test('new secrets have the state file names, in its order, each of its shape', async (t) => {
  const fresh = newSinkSecrets();
  t.same(Object.keys(fresh), Object.keys(SECRETS));
  t.same(readSinkSecrets(fresh), { secrets: fresh }, 'a fresh set passes the shape check');
  t.not(newSinkSecrets().webhookSecret, fresh.webhookSecret, 'made at random');
  t.same(readSinkSecrets(SECRETS), { secrets: SECRETS });
  t.same(readSinkSecrets({ ...SECRETS, teamsSig: 'short', telegramToken: 7 }), {
    broken: ['teamsSig', 'telegramToken'],
  });
  t.same(pickSinkSecrets({ ...SECRETS, port: 1 } as SinkSecrets), SECRETS);
});

t.test('the state file endpoints keep their layout across a load and a save', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-sinks-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'state.json');
  writeFileSync(path, JSON.stringify({ certificates: [], endpoints: { port: 8080, edgePort: 8443, ...SECRETS } }));
  const state = loadState(path)!;
  t.same(state.endpoints, { port: 8080, edgePort: 8443, ...SECRETS });
  saveState(path, state);
  const saved = JSON.parse(readFileSync(path, 'utf8')) as { endpoints: object };
  t.same(Object.keys(saved.endpoints), STATE_KEYS);
  // Only the Slack path: the others are made anew, and the file reads as before.
  writeFileSync(
    path,
    JSON.stringify({ certificates: [], endpoints: { port: 1, edgePort: 2, slackPath: SECRETS.slackPath } }),
  );
  const older = loadState(path)!.endpoints!;
  t.same(Object.keys(older), STATE_KEYS);
  t.equal(older.slackPath, SECRETS.slackPath);
  t.same(readSinkSecrets(pickSinkSecrets(older)), { secrets: pickSinkSecrets(older) });
});

t.test('the URLs and the banner lines each sink makes of its secrets', async (t) => {
  const base = 'http://127.0.0.1:4000';
  const notify = createNotifySinks(() => new Date(), SECRETS).describe(base);
  const slackUrl = `${base}${SECRETS.slackPath}`;
  t.same(notify, {
    slack: { requests: [], messages: [], url: slackUrl },
    discord: {
      requests: [],
      messages: [],
      url: `${base}/discord/api/webhooks/1234567890123456789/${SECRETS.discordToken}`,
    },
    teams: {
      requests: [],
      messages: [],
      url:
        `${base}/teams/workflows/${SECRETS.teamsId}/triggers/manual/paths/invoke` +
        `?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SECRETS.teamsSig}`,
    },
    telegram: {
      requests: [],
      messages: [],
      apiUrl: `${base}/telegram`,
      token: SECRETS.telegramToken,
      chatId: '-1001234567890',
    },
    webhook: { requests: [], messages: [], url: `${base}${SECRETS.webhookPath}`, secret: SECRETS.webhookSecret },
  });
  t.strictSame(formatSandboxBanner({ url: base, slackUrl, notify }).slice(0, 9), [
    `Beluga API sandbox listening on ${base}`,
    `  BELUGA_BASE_URL=${base}`,
    `Slack webhook sink at ${slackUrl}`,
    `  SLACK_WEBHOOK_URL=${slackUrl}`,
    'Discord, Teams, Telegram and generic webhook sinks:',
    `  DISCORD_WEBHOOK_URL=${notify.discord.url}`,
    `  TEAMS_WEBHOOK_URL=${notify.teams.url}`,
    `  TELEGRAM_API_URL=${base}/telegram TELEGRAM_BOT_TOKEN=${SECRETS.telegramToken} TELEGRAM_CHAT_ID=-1001234567890`,
    `  WEBHOOK_URL=${notify.webhook.url} WEBHOOK_SECRET=${SECRETS.webhookSecret}`,
  ]);
  t.equal(formatSandboxBanner({ url: base, slackUrl, notify }).length, 9);
});
