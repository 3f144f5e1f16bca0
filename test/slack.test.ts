import t from 'tap';
import { nodeFetchClient, type HttpClient } from '../src/http.js';
import { createSlackNotifier, retryAfterMs, type SlackConfig } from '../src/notify/slack.js';
import { successFacts } from '../src/notify/message-facts.js';
import { slackPayload } from '../src/notify/slack-message.js';
import type { FailureEvent, NotifyResult, SuccessEvent } from '../src/notify/types.js';
import { startSandbox, type Fault } from './helpers/sandbox.js';

/** The middle of the backoff's jitter: each wait is half its ceiling, 250 ms, 500 ms, 1 s ... */
const HALF = () => 0.5;

/** Every webhook URL a test used: none may appear in any detail. */
const secrets: string[] = [];

/** The shared sandbox's Slack sink (a real server on 127.0.0.1), with the faults queued in order. */
async function startSlack(t: { teardown(fn: () => unknown): void }, faults: Omit<Fault, 'target'>[] = []) {
  const sandbox = await startSandbox({ credentials: {} });
  t.teardown(() => sandbox.close());
  for (const f of faults) sandbox.fault({ target: 'slack', ...f });
  secrets.push(sandbox.slackUrl, new URL(sandbox.slackUrl).pathname.split('/').pop() as string);
  return { url: sandbox.slackUrl, received: sandbox.slackRequests, messages: sandbox.slackMessages, sandbox };
}

const at = new Date('2026-10-03T08:15:42Z');
const success: SuccessEvent = {
  domain: 'example.com',
  names: ['example.com'],
  belugaId: '123',
  action: 'updated',
  notAfter: new Date('2027-01-01T12:00:00Z'),
  fingerprint256: 'AA:BB',
  host: 'web1',
  at,
};
const failure: FailureEvent = {
  domain: 'a&b.example',
  error: 'Beluga said <no>',
  code: 'REMOTE_REJECTED',
  host: 'web1',
  at,
};

/** Every detail any test saw, checked for the secret at the end. */
const details: NotifyResult[] = [];

function notifier(url: string, extra: Partial<SlackConfig> = {}, http: HttpClient = nodeFetchClient) {
  const sleeps: number[] = [];
  const config: SlackConfig = { webhookUrl: url, timeoutMs: 5000, maxAttempts: 3, ...extra };
  const slack = createSlackNotifier(config, { http, sleep: async (ms) => void sleeps.push(ms), random: HALF });
  const record = async (p: Promise<NotifyResult>) => {
    const result = await p;
    details.push(result);
    return result;
  };
  return {
    sleeps,
    success: (e: SuccessEvent = success) => record(slack.success(e)),
    failure: (e: FailureEvent = failure) => record(slack.failure(e)),
    name: slack.name,
  };
}

t.test('200 ok: one POST of exactly the message JSON', async (t) => {
  const slack = await startSlack(t);
  const n = notifier(slack.url);
  t.equal(n.name, 'slack');
  t.strictSame(await n.success(), { notifier: 'slack', ok: true, detail: 'sent', attempts: 1 });
  t.equal(slack.received.length, 1);
  const [req] = slack.received;
  t.equal(req!.method, 'POST');
  t.equal(req!.path, new URL(slack.url).pathname);
  t.equal(req!.headers['content-type'], 'application/json');
  const text = 'Renewed SSL certificate for example.com on Beluga (id 123), expires 2027-01-01 on host web1';
  t.strictSame(JSON.parse(req!.body), {
    text,
    attachments: [
      {
        fallback: text,
        color: '#36a64f',
        pretext: 'Renewed SSL certificate successfully',
        fields: [
          { title: 'Domain', value: 'example.com', short: true },
          { title: 'Expires', value: '2027-01-01 12:00 UTC (90 days left)', short: true },
          { title: 'Beluga id', value: '123', short: true },
          { title: 'Host', value: 'web1', short: true },
        ],
        footer: 'Certificate renewal',
        ts: 1791015342,
      },
    ],
  });
  t.strictSame(slack.messages, [JSON.parse(req!.body)], 'the sink accepted it as a Slack message');
  t.strictSame(n.sleeps, []);
});

t.test('failure message on the wire: escaped, with channel, username and icon when set', async (t) => {
  const slack = await startSlack(t);
  const n = notifier(slack.url, { channel: '#general', username: 'Job information', iconEmoji: ':osmc:' });
  t.match(await n.failure(), { ok: true, detail: 'sent', attempts: 1 });
  const body = JSON.parse(slack.received[0]!.body);
  t.equal(body.channel, '#general');
  t.equal(body.username, 'Job information');
  t.equal(body.icon_emoji, ':osmc:');
  t.equal(body.attachments[0].color, 'danger');
  t.equal(
    body.text,
    'SSL certificate deployment failed for a&amp;b.example on host web1: Beluga said &lt;no&gt; (REMOTE_REJECTED)',
  );
  t.strictSame(body.attachments[0].fields[0], { title: 'Domain', value: 'a&amp;b.example', short: true });
  t.notMatch(slack.received[0]!.body, /[<>]/, 'no raw angle brackets reach Slack');

  const plain = await startSlack(t);
  await notifier(plain.url).failure();
  const bare = JSON.parse(plain.received[0]!.body);
  t.strictSame(Object.keys(bare), ['text', 'attachments'], 'no channel/username/icon_emoji when unset');
});

t.test('final 4xx answers: one attempt, the code in the detail', async (t) => {
  for (const [status, code] of [
    [400, 'invalid_payload'],
    [403, 'action_prohibited'],
    [404, 'channel_not_found'],
    [410, 'channel_is_archived'],
  ] as const) {
    const slack = await startSlack(t, [{ status, body: code }]);
    const n = notifier(slack.url);
    t.strictSame(await n.success(), { notifier: 'slack', ok: false, detail: `HTTP ${status} ${code}`, attempts: 1 });
    t.equal(slack.received.length, 1, `${status} is not retried`);
    t.strictSame(n.sleeps, []);
  }
});

t.test('a revoked or mistyped webhook token: the sink says no_service, final', async (t) => {
  const slack = await startSlack(t);
  const wrong = slack.url.replace(/[^/]+$/, 'not-the-token');
  secrets.push(wrong);
  t.strictSame(await notifier(wrong).success(), {
    notifier: 'slack',
    ok: false,
    detail: 'HTTP 404 no_service',
    attempts: 1,
  });
  t.strictSame(slack.messages, []);
});

t.test('a 200 without the body "ok" is not success', async (t) => {
  const slack = await startSlack(t, [{ status: 200, body: '<html>proxy login</html>' }]);
  t.strictSame(await notifier(slack.url).success(), {
    notifier: 'slack',
    ok: false,
    detail: 'HTTP 200 <html>proxy login</html>',
    attempts: 1,
  });
});

t.test('429 honours Retry-After, then succeeds', async (t) => {
  const slack = await startSlack(t, [{ status: 429, body: 'rate_limited', headers: { 'Retry-After': '3' } }]);
  const n = notifier(slack.url);
  t.strictSame(await n.success(), { notifier: 'slack', ok: true, detail: 'sent', attempts: 2 });
  t.equal(slack.received.length, 2);
  t.strictSame(n.sleeps, [3000], 'waited the 3 s Slack asked for');
  t.equal(slack.received[1]!.body, slack.received[0]!.body, 'the same message is sent again');
});

t.test('a long Retry-After is capped at 10 s', async (t) => {
  const slack = await startSlack(t, [{ status: 429, headers: { 'Retry-After': '3600' }, body: '' }]);
  const n = notifier(slack.url);
  t.match(await n.success(), { ok: true, attempts: 2 });
  t.strictSame(n.sleeps, [10_000]);
});

t.test('persistent 429 without Retry-After: backoff, then gives up', async (t) => {
  const slack = await startSlack(t, [{ status: 429, body: '', times: 4 }]);
  const n = notifier(slack.url);
  t.strictSame(await n.success(), { notifier: 'slack', ok: false, detail: 'HTTP 429 after 3 attempts', attempts: 3 });
  t.equal(slack.received.length, 3);
  t.strictSame(n.sleeps, [250, 500], 'short exponential backoff');
});

t.test('500 then ok: retried', async (t) => {
  const slack = await startSlack(t, [{ status: 500, body: 'rollup_error' }]);
  const n = notifier(slack.url);
  t.strictSame(await n.success(), { notifier: 'slack', ok: true, detail: 'sent', attempts: 2 });
  t.strictSame(n.sleeps, [250]);
});

t.test('persistent 5xx: maxAttempts attempts, then ok:false', async (t) => {
  const slack = await startSlack(t, [{ status: 503, times: 6 }]);
  const n = notifier(slack.url, { maxAttempts: 4 });
  t.strictSame(await n.success(), {
    notifier: 'slack',
    ok: false,
    detail: 'HTTP 503 rollup_error after 4 attempts',
    attempts: 4,
  });
  t.equal(slack.received.length, 4);
  t.strictSame(n.sleeps, [250, 500, 1000]);

  const once = await startSlack(t, [{ status: 500, body: 'rollup_error' }]);
  t.strictSame(await notifier(once.url, { maxAttempts: 1 }).success(), {
    notifier: 'slack',
    ok: false,
    detail: 'HTTP 500 rollup_error after 1 attempt',
    attempts: 1,
  });
});

t.test('a server that answers too late: timeout, retried, then given up', async (t) => {
  const slack = await startSlack(t, [{ delayMs: 1000, times: 2 }]);
  const n = notifier(slack.url, { timeoutMs: 200, maxAttempts: 2 });
  t.strictSame(await n.success(), { notifier: 'slack', ok: false, detail: 'timeout after 2 attempts', attempts: 2 });
  t.equal(slack.received.length, 2);
});

t.test('a timeout then a prompt answer is a success', async (t) => {
  const slack = await startSlack(t, [{ delayMs: 1000 }]);
  t.strictSame(await notifier(slack.url, { timeoutMs: 200 }).success(), {
    notifier: 'slack',
    ok: true,
    detail: 'sent',
    attempts: 2,
  });
});

t.test('a dropped connection is a network failure, retried', async (t) => {
  const slack = await startSlack(t, [{ drop: true, times: 2 }]);
  const result = await notifier(slack.url, { maxAttempts: 2 }).success();
  t.match(result, { ok: false, attempts: 2 });
  t.match(result.detail, /^connection failed( \(\w+\))? after 2 attempts$/);

  const recovers = await startSlack(t, [{ drop: true }]);
  t.match(await notifier(recovers.url).success(), { ok: true, attempts: 2 });
});

t.test('nothing listening: a network failure, not a throw', async (t) => {
  const slack = await startSlack(t);
  const closed = slack.url.replace(/:\d+\//, ':1/');
  const result = await notifier(closed, { maxAttempts: 2 }).failure();
  t.match(result, { ok: false, attempts: 2, detail: /^connection failed.* after 2 attempts$/ });
});

t.test('an echoed body is redacted and capped; the URL never reaches a detail', async (t) => {
  const echo = await startSlack(t);
  echo.sandbox.fault({ target: 'slack', status: 403, body: `bad hook ${echo.url} ${'x'.repeat(300)}` });
  const result = await notifier(echo.url).success();
  t.equal(result.ok, false);
  t.match(result.detail, /^HTTP 403 bad hook \[webhook URL\] x+…$/);
  t.ok(result.detail.length <= 110, `capped: ${result.detail.length} chars`);

  // A client that is not ours may throw with the URL in the message, as node-fetch does.
  const leaky: HttpClient = async (url) => {
    throw new Error(`request to ${url} failed, reason: socket hang up`);
  };
  const thrown = await notifier(echo.url, {}, leaky).success();
  t.match(thrown, { ok: false, attempts: 1, detail: /^request failed: request to \[webhook URL\] failed/ });
});

t.test('a webhook URL that is not a URL fails as a transport error, and is not echoed', async (t) => {
  secrets.push('not-a-url-s3cr3tT0k3nXYZ');
  const result = await notifier('not-a-url-s3cr3tT0k3nXYZ', { maxAttempts: 1 }).success();
  t.match(result, { ok: false, attempts: 1, detail: /^connection failed.* after 1 attempt$/ });
});

t.test('a message that cannot be built is reported, not thrown, and nothing is sent', async (t) => {
  const slack = await startSlack(t);
  const result = await notifier(slack.url).success({ ...success, notAfter: new Date('nonsense') });
  t.match(result, { ok: false, attempts: 0, detail: /^could not build the message: / });
  t.equal(slack.received.length, 0);
});

t.test('without an injected sleep the notifier really waits, and still succeeds', async (t) => {
  const slack = await startSlack(t, [{ status: 502, body: '' }]);
  const real = createSlackNotifier(
    { webhookUrl: slack.url, timeoutMs: 5000, maxAttempts: 2 },
    { http: nodeFetchClient },
  );
  const result = await real.success(success);
  details.push(result);
  t.strictSame(result, { notifier: 'slack', ok: true, detail: 'sent', attempts: 2 });
});

t.test('Retry-After parsing: seconds, HTTP dates, garbage, cap', async (t) => {
  const now = Date.parse('2026-10-03T08:00:00Z');
  t.equal(retryAfterMs(undefined), undefined);
  t.equal(retryAfterMs(' '), undefined);
  t.equal(retryAfterMs('soon'), undefined);
  t.equal(retryAfterMs('0'), 0);
  t.equal(retryAfterMs('1.5'), 1500);
  t.equal(retryAfterMs('11'), 10_000);
  t.equal(retryAfterMs('Sat, 03 Oct 2026 08:00:04 GMT', now), 4000);
  t.equal(retryAfterMs('Sat, 03 Oct 2026 07:00:00 GMT', now), 0);
});

t.test('payload on the wire equals the success facts drawn for Slack', async (t) => {
  const slack = await startSlack(t);
  const style = { channel: '#ops', username: 'bot', iconEmoji: ':lock:' };
  await notifier(slack.url, style).success();
  t.strictSame(JSON.parse(slack.received[0]!.body), slackPayload(successFacts(success), style));
});

t.test('no detail ever contains the webhook URL or its token, and each is one line', async (t) => {
  t.ok(details.length >= 20, `checked ${details.length} results`);
  const leaks = details.filter((r) => r.detail.includes('127.0.0.1') || secrets.some((s) => r.detail.includes(s)));
  t.strictSame(leaks, []);
  t.strictSame(
    details.filter((r) => /[\r\n]/.test(r.detail)),
    [],
  );
});
