import t from 'tap';
import { nodeFetchClient } from '../src/http.js';
import { createDiscordNotifier, discordConfig } from '../src/notify/discord.js';
import { DISCORD_COLORS, discordPayload, escapeDiscord } from '../src/notify/discord-message.js';
import { successFacts } from '../src/notify/message-facts.js';
import type { Sandbox } from '../src/sandbox/index.js';
import {
  detailLog,
  failure,
  noSleep,
  recovered,
  sinks,
  skipped,
  success,
  sync,
  testEvent,
  withEdge,
} from './helpers/notify-kit.js';

/** The middle of the backoff's jitter: each wait is half its ceiling, 250 ms, 500 ms, 1 s ... */
const HALF = () => 0.5;

const log = detailLog();
const secrets: string[] = [];

function discord(sb: Sandbox, url = sb.notify.discord.url, extra: { timeoutMs?: number; username?: string } = {}) {
  const token = url.split('/').pop() as string;
  secrets.push(url, token);
  const sleeps: number[] = [];
  const config = { webhookUrl: url, timeoutMs: extra.timeoutMs ?? 5000, maxAttempts: 3, username: extra.username };
  const n = createDiscordNotifier(config, { http: nodeFetchClient, sleep: noSleep(sleeps), random: HALF });
  return { n, sleeps, keep: log.keep };
}

t.test('204: one embed with the Slack fields, the colour as an integer, no pings', async (t) => {
  const sb = await sinks(t);
  const { n, keep } = discord(sb, undefined, { username: 'Certificates' });
  t.strictSame(await keep(n.success(success)), { notifier: 'discord', ok: true, detail: 'sent', attempts: 1 });
  const [msg] = sb.notify.discord.messages as any[];
  t.equal(msg.username, 'Certificates');
  t.strictSame(msg.allowed_mentions, { parse: [] });
  const embed = msg.embeds[0];
  t.equal(embed.color, 3581519, '#36a64f as a decimal integer');
  t.equal(embed.title, 'Renewed SSL certificate successfully');
  t.strictSame(
    embed.fields.map((f: any) => f.name),
    ['Domain', 'Expires', 'Beluga id', 'Host'],
  );
  t.strictSame(embed.fields[0], { name: 'Domain', value: 'example.com', inline: true });
  t.equal(embed.fields[1].value, '2027-01-01 12:00 UTC (90 days left)');
  t.equal(embed.footer.text, 'Certificate renewal');
  t.equal(embed.timestamp, '2026-10-03T08:15:42.000Z');
  t.equal(sb.notify.discord.requests[0]!.headers['content-type'], 'application/json');
});

t.test('every event kind is accepted; failure is red, escaped; edge and recovery shown', async (t) => {
  const sb = await sinks(t);
  const { n, keep } = discord(sb);
  // One after another, so the sink holds them in this order.
  for (const send of [
    () => n.failure(failure),
    () => n.skipped(skipped),
    () => n.sync(sync),
    () => n.test(testEvent),
    () => n.success(recovered),
    () => n.success(withEdge),
  ]) {
    t.match(await keep(send()), { ok: true, attempts: 1 });
  }
  const [fail, skip, syncMsg, test, rec, edge] = (sb.notify.discord.messages as any[]).map((m) => m.embeds[0]);
  t.equal(fail.color, DISCORD_COLORS.failure);
  t.equal(fail.fields[0].value, 'a&b<c\\>\\_d\\*.example', 'markdown escaped; & and < need nothing');
  t.equal(skip.color, DISCORD_COLORS.neutral);
  t.match(syncMsg.title, /1 deployed, 1 failed, 2 unchanged, 1 unmapped/);
  t.equal(test.title, 'Test message from beluga-cert');
  t.match(rec.fields.at(-1), { name: 'Recovered', value: /3 failed attempt/ });
  t.match(edge.fields.at(-1), { name: 'Edge', value: 'live on the edge after 14 s' });
  t.equal(escapeDiscord('a_b*c`d|e~f'), 'a\\_b\\*c\\`d\\|e\\~f');
});

t.test('documented errors are final and reported as Discord says them', async (t) => {
  const sb = await sinks(t);
  const wrongToken = sb.notify.discord.url.replace(/[^/]+$/, 'not-the-token-0123456789');
  const wrongId = sb.notify.discord.url.replace(/\/\d+\//, '/999/');
  const bad = discord(sb, wrongToken);
  t.strictSame(await bad.keep(bad.n.success(success)), {
    notifier: 'discord',
    ok: false,
    detail: 'HTTP 401 Invalid Webhook Token (50027)',
    attempts: 1,
  });
  const gone = discord(sb, wrongId);
  t.strictSame(await gone.keep(gone.n.success(success)), {
    notifier: 'discord',
    ok: false,
    detail: 'HTTP 404 Unknown Webhook (10015)',
    attempts: 1,
  });
  for (const [status, detail] of [
    [400, 'HTTP 400 Invalid Form Body (50035)'],
    [403, 'HTTP 403 Missing Permissions (50013)'],
  ] as const) {
    const sb2 = await sinks(t, [{ status }], 'discord');
    const { n, keep, sleeps } = discord(sb2);
    t.strictSame(await keep(n.success(success)), { notifier: 'discord', ok: false, detail, attempts: 1 });
    t.strictSame(sleeps, []);
  }
  t.strictSame(sb.notify.discord.messages, []);
});

t.test('429: waits the retry_after seconds from the JSON body, then sends', async (t) => {
  const sb = await sinks(
    t,
    [
      {
        status: 429,
        body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 0.75, global: false }),
        headers: { 'Retry-After': '1' },
      },
    ],
    'discord',
  );
  const { n, keep, sleeps } = discord(sb);
  t.strictSame(await keep(n.success(success)), { notifier: 'discord', ok: true, detail: 'sent', attempts: 2 });
  t.strictSame(sleeps, [750], "the body's 0.75 s, not the header's rounded 1 s");
  const capped = await sinks(t, [{ status: 429, times: 3 }], 'discord');
  const c = discord(capped);
  t.strictSame(await c.keep(c.n.success(success)), {
    notifier: 'discord',
    ok: false,
    detail: 'HTTP 429 You are being rate limited. after 3 attempts',
    attempts: 3,
  });
  t.strictSame(c.sleeps, [1500, 1500]);
});

t.test('5xx is retried; a timeout is retried, then given up', async (t) => {
  const sb = await sinks(t, [{ status: 502 }], 'discord');
  const { n, keep, sleeps } = discord(sb);
  t.match(await keep(n.success(success)), { ok: true, attempts: 2 });
  t.strictSame(sleeps, [250]);
  const slow = await sinks(t, [{ delayMs: 1000, times: 3 }], 'discord');
  const s = discord(slow, undefined, { timeoutMs: 150 });
  t.strictSame(await s.keep(s.n.success(success)), {
    notifier: 'discord',
    ok: false,
    detail: 'timeout after 3 attempts',
    attempts: 3,
  });
});

t.test('the sink refuses what Discord refuses', async (t) => {
  const sb = await sinks(t);
  const post = (body: string) =>
    nodeFetchClient(sb.notify.discord.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      timeoutMs: 5000,
    });
  t.match(JSON.parse((await post('{"embeds":')).text), { code: 50109 });
  t.match(JSON.parse((await post('{"content":""}')).text), { message: 'Cannot send an empty message', code: 50006 });
  const hex = discordPayload(successFacts(success)) as any;
  hex.embeds[0].color = '#36a64f';
  const refused = await post(JSON.stringify(hex));
  t.equal(refused.status, 400);
  t.match(JSON.parse(refused.text), { code: 50035, errors: { 'embeds.0.color': {} } });
  const wait = await nodeFetchClient(`${sb.notify.discord.url}?wait=true`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{"content":"hi"}',
    timeoutMs: 5000,
  });
  t.equal(wait.status, 200);
  t.equal(sb.notify.discord.messages.length, 1);
});

t.test('settings: URL required, checked, never echoed; NOTIFY_TIMEOUT', async (t) => {
  t.throws(() => discordConfig({ DISCORD_WEBHOOK_URL: 'http://discord.example/api/webhooks/1/s3cretTok' }), {
    code: 'CONFIG',
    message: /DISCORD_WEBHOOK_URL uses http:\/\/ to a non-loopback host \(http:\/\/…\)/,
  });
  t.throws(
    () => discordConfig({ DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/x', NOTIFY_TIMEOUT: 'soon' }),
    { code: 'CONFIG', message: /NOTIFY_TIMEOUT/ },
  );
  t.match(discordConfig({ DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/x', NOTIFY_TIMEOUT: '2.5' }), {
    timeoutMs: 2500,
    maxAttempts: 3,
  });
  try {
    discordConfig({ DISCORD_WEBHOOK_URL: 'ftp://s3cretTok' });
  } catch (err) {
    t.notMatch((err as Error).message, /s3cretTok/);
  }
});

t.test('no detail holds the webhook URL or its token', async (t) => {
  t.ok(log.all.length >= 12, `checked ${log.all.length}`);
  t.strictSame(log.leaks(secrets), []);
});
