import t from 'tap';
import { nodeFetchClient } from '../src/http.js';
import { createTelegramNotifier, telegramConfig, type TelegramConfig } from '../src/notify/telegram.js';
import { syncFacts } from '../src/notify/message-facts.js';
import { escapeTelegramHtml, telegramPayload, TELEGRAM_TEXT_MAX } from '../src/notify/telegram-message.js';
import { parseTelegramHtml, type Sandbox } from '../src/sandbox/index.js';
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

function telegram(sb: Sandbox, extra: Partial<TelegramConfig> = {}) {
  const { apiUrl, token, chatId } = sb.notify.telegram;
  const config: TelegramConfig = { apiUrl, botToken: token, chatId, timeoutMs: 5000, maxAttempts: 3, ...extra };
  secrets.push(config.botToken, config.botToken.split(':')[1]!);
  const sleeps: number[] = [];
  const n = createTelegramNotifier(config, { http: nodeFetchClient, sleep: noSleep(sleeps), random: HALF });
  return { n, sleeps, keep: log.keep };
}

t.test('sendMessage: 200 {"ok": true}; HTML the Bot API parses, to the configured chat', async (t) => {
  const sb = await sinks(t);
  const { n, keep } = telegram(sb);
  t.strictSame(await keep(n.success(success)), { notifier: 'telegram', ok: true, detail: 'sent', attempts: 1 });
  const req = sb.notify.telegram.requests[0]!;
  t.equal(req.path, `/telegram/bot${sb.notify.telegram.token}/sendMessage`);
  const [msg] = sb.notify.telegram.messages as any[];
  t.equal(msg.chat_id, sb.notify.telegram.chatId);
  t.equal(msg.parse_mode, 'HTML');
  t.strictSame(msg.link_preview_options, { is_disabled: true });
  t.equal(msg.text.split('\n')[0], '✅ <b>Renewed SSL certificate successfully</b>');
  t.match(
    msg.text,
    /<b>Domain:<\/b> example\.com\n<b>Expires:<\/b> 2027-01-01 12:00 UTC \(90 days left\)\n<b>Beluga id:<\/b> 123\n<b>Host:<\/b> web1/,
  );
});

t.test('every kind is parsed by the sink; & < > escaped as Telegram wants', async (t) => {
  const sb = await sinks(t);
  const { n, keep } = telegram(sb);
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
  const texts = (sb.notify.telegram.messages as any[]).map((m) => m.text as string);
  t.match(texts[0], /^❌ /);
  t.match(texts[0], /<b>Domain:<\/b> a&amp;b&lt;c&gt;_d\*\.example/);
  t.match(texts[0], /Beluga said &lt;no&gt; &amp; \*stop\*/);
  t.match(
    texts[2],
    /<b>Deployed:<\/b> example\.com → id 123, expires 2027-01-01\n<b>Failed:<\/b> b\.example: no record \(NO_RECORD\)/,
  );
  t.match(texts[4], /<b>Recovered:<\/b> recovered after 3 failed attempt/);
  t.match(texts[5], /<b>Edge:<\/b> live on the edge after 14 s/);
  t.equal(escapeTelegramHtml('<a href="x">&</a>'), '&lt;a href="x"&gt;&amp;&lt;/a&gt;');
});

t.test('a very long sync message is cut by whole lines and still parses', async (t) => {
  const many = {
    ...sync,
    failed: Array.from({ length: 20 }, (_, i) => ({
      label: `l${i}`,
      domain: `d${i}.example`,
      code: 'REMOTE_REJECTED',
      error: `<${'x'.repeat(400)}>`,
    })),
  };
  const text = telegramPayload(syncFacts(many), '-1').text;
  t.ok(text.length <= TELEGRAM_TEXT_MAX, `${text.length} chars`);
  t.ok('plain' in parseTelegramHtml(text), 'balanced tags, escaped text');
  t.match(text, /…\n<i>Certificate renewal<\/i>$/);
});

t.test('documented errors: chat not found, bad token, blocked, not found; final, with the description', async (t) => {
  const sb = await sinks(t);
  const other = telegram(sb, { chatId: '-1009999' });
  t.strictSame(await other.keep(other.n.success(success)), {
    notifier: 'telegram',
    ok: false,
    detail: 'HTTP 400 Bad Request: chat not found',
    attempts: 1,
  });
  const wrong = telegram(sb, { botToken: `7000000001:${'Z'.repeat(35)}` });
  t.strictSame(await wrong.keep(wrong.n.success(success)), {
    notifier: 'telegram',
    ok: false,
    detail: 'HTTP 401 Unauthorized',
    attempts: 1,
  });
  const path = telegram(sb, { apiUrl: `${sb.url}/telegram/nowhere` });
  t.strictSame(await path.keep(path.n.success(success)), {
    notifier: 'telegram',
    ok: false,
    detail: 'HTTP 404 Not Found',
    attempts: 1,
  });
  const blocked = await sinks(t, [{ status: 403 }], 'telegram');
  const b = telegram(blocked);
  t.strictSame(await b.keep(b.n.success(success)), {
    notifier: 'telegram',
    ok: false,
    detail: 'HTTP 403 Forbidden: bot was blocked by the user',
    attempts: 1,
  });
  const lying = await sinks(t, [{ failure: true }], 'telegram');
  const l = telegram(lying);
  t.match(
    await l.keep(l.n.success(success)),
    { ok: false, attempts: 1, detail: /^HTTP 200 Bad Request: / },
    'a 200 with ok:false is not success',
  );
  t.strictSame(sb.notify.telegram.messages, []);
});

t.test('the sink refuses HTML Telegram cannot parse', async (t) => {
  const sb = await sinks(t);
  const send = (text: string) =>
    nodeFetchClient(`${sb.notify.telegram.apiUrl}/bot${sb.notify.telegram.token}/sendMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      timeoutMs: 5000,
      body: JSON.stringify({ chat_id: sb.notify.telegram.chatId, text, parse_mode: 'HTML' }),
    });
  t.match(JSON.parse((await send('a <no> b')).text), {
    ok: false,
    error_code: 400,
    description: /^Bad Request: can't parse entities: Unsupported start tag "no"/,
  });
  t.match(JSON.parse((await send('a & b')).text), { description: /can't parse entities/ });
  t.match(JSON.parse((await send('<b>open')).text), { description: /end tag/ });
  t.match(JSON.parse((await send('')).text), { description: 'Bad Request: message text is empty' });
  t.match(JSON.parse((await send('<b>x</b> &amp;')).text), { ok: true, result: { text: 'x &' } });
});

t.test('429: waits parameters.retry_after; 5xx retried; a hanging API times out', async (t) => {
  const sb = await sinks(
    t,
    [
      {
        status: 429,
        body: JSON.stringify({
          ok: false,
          error_code: 429,
          description: 'Too Many Requests: retry after 3',
          parameters: { retry_after: 3 },
        }),
      },
      { status: 502 },
    ],
    'telegram',
  );
  const { n, keep, sleeps } = telegram(sb);
  t.strictSame(await keep(n.success(success)), { notifier: 'telegram', ok: true, detail: 'sent', attempts: 3 });
  t.strictSame(sleeps, [3000, 500]);
  const slow = await sinks(t, [{ delayMs: 1000, times: 3 }], 'telegram');
  const s = telegram(slow, { timeoutMs: 150 });
  t.strictSame(await s.keep(s.n.success(success)), {
    notifier: 'telegram',
    ok: false,
    detail: 'timeout after 3 attempts',
    attempts: 3,
  });
});

t.test('settings: both halves required, token and chat checked, token never echoed', async (t) => {
  t.throws(() => telegramConfig({ TELEGRAM_BOT_TOKEN: `1:${'a'.repeat(30)}` }), {
    code: 'CONFIG',
    message: /missing setting: TELEGRAM_CHAT_ID/,
  });
  t.throws(() => telegramConfig({ TELEGRAM_CHAT_ID: '42' }), {
    code: 'CONFIG',
    message: /missing setting: TELEGRAM_BOT_TOKEN/,
  });
  let message = '';
  try {
    telegramConfig({
      TELEGRAM_BOT_TOKEN: 'nocolon-s3cr3tvalue',
      TELEGRAM_CHAT_ID: 'my chat',
      TELEGRAM_API_URL: 'http://api.example',
    });
  } catch (err) {
    message = (err as Error).message;
  }
  t.match(
    message,
    /TELEGRAM_BOT_TOKEN is not a bot token.*TELEGRAM_CHAT_ID must be a numeric chat id or @channelname \(got my chat\).*TELEGRAM_API_URL uses http:\/\//,
  );
  t.notMatch(message, /s3cr3tvalue/);
  t.match(telegramConfig({ TELEGRAM_BOT_TOKEN: `1:${'a'.repeat(30)}`, TELEGRAM_CHAT_ID: '@ops_channel' }), {
    apiUrl: 'https://api.telegram.org',
    chatId: '@ops_channel',
  });
});

t.test('no detail holds the bot token (it is in the URL path)', async (t) => {
  t.ok(log.all.length >= 12, `checked ${log.all.length}`);
  t.strictSame(log.leaks(secrets), []);
});
