import t from 'tap';
import { createHmac } from 'node:crypto';
import { nodeFetchClient } from '../src/http.js';
import { createWebhookNotifier, signWebhook, webhookConfig, type WebhookConfig } from '../src/notify/webhook.js';
import { webhookEvent, WEBHOOK_EVENT_VERSION } from '../src/notify/webhook-event.js';
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

function webhook(sb: Sandbox, extra: Partial<WebhookConfig> = {}, now?: () => number) {
  const config: WebhookConfig = {
    url: sb.notify.webhook.url,
    secret: sb.notify.webhook.secret,
    timeoutMs: 5000,
    maxAttempts: 3,
    ...extra,
  };
  secrets.push(config.url, new URL(config.url).pathname, config.secret ?? '');
  const sleeps: number[] = [];
  const n = createWebhookNotifier(config, { http: nodeFetchClient, sleep: noSleep(sleeps), now, random: HALF });
  return { n, sleeps, keep: log.keep };
}

t.test('a signed version 1 event; the receiver checks the signature over timestamp.body', async (t) => {
  const sb = await sinks(t);
  const { n, keep } = webhook(sb);
  t.strictSame(await keep(n.success(success)), { notifier: 'webhook', ok: true, detail: 'sent', attempts: 1 });
  const req = sb.notify.webhook.requests[0]!;
  t.equal(req.headers['content-type'], 'application/json');
  t.equal(req.headers['x-beluga-event'], 'certificate.deployed');
  t.match(req.headers['x-beluga-timestamp'], /^\d{10}$/);
  const expected = `sha256=${createHmac('sha256', sb.notify.webhook.secret).update(`${req.headers['x-beluga-timestamp']}.${req.body}`).digest('hex')}`;
  t.equal(req.headers['x-beluga-signature'], expected);
  const event = JSON.parse(req.body);
  t.equal(req.headers['x-beluga-delivery'], event.id);
  t.strictSame(event, {
    version: 1,
    id: event.id,
    type: 'certificate.deployed',
    occurred_at: '2026-10-03T08:15:42.000Z',
    host: 'web1',
    domain: 'example.com',
    certificate: {
      domain: 'example.com',
      names: ['example.com', 'www.example.com'],
      beluga_id: '123',
      action: 'updated',
      not_after: '2027-01-01T12:00:00.000Z',
      fingerprint_sha256: 'AA:BB:CC',
    },
    recovered: null,
    edge: null,
    error: null,
    reason: null,
    sync: null,
    expiry: null,
  });
  t.match(event.id, /^[0-9a-f-]{36}$/);
  t.strictSame(sb.notify.webhook.messages, [event]);
});

t.test('each event type carries its part', async (t) => {
  const sb = await sinks(t);
  const { n, keep } = webhook(sb);
  for (const send of [
    () => n.success(recovered),
    () => n.success(withEdge),
    () => n.failure(failure),
    () => n.skipped(skipped),
    () => n.sync(sync),
    () => n.test(testEvent),
  ]) {
    t.match(await keep(send()), { ok: true });
  }
  const [rec, edge, fail, skip, syncEv, test] = sb.notify.webhook.messages as any[];
  t.equal(rec.type, 'certificate.recovered');
  t.strictSame(rec.recovered, { pending_since: '2026-10-02T08:00:00.000Z', failed_attempts: 3 });
  t.strictSame(edge.edge, {
    status: 'checked',
    text: 'live on the edge after 14 s',
    names: [
      {
        name: 'example.com',
        outcome: 'served',
        after_seconds: 14,
        served_not_after: null,
        served_fingerprint_sha256: null,
        detail: null,
      },
    ],
  });
  t.equal(fail.type, 'certificate.deploy_failed');
  t.strictSame(fail.error, {
    code: 'REMOTE_REJECTED',
    message: 'Beluga said <no> & *stop*',
    pending: 'retried every 5 minutes',
  });
  t.equal(fail.domain, 'a&b<c>_d*.example', 'JSON needs no escaping beyond its own');
  t.equal(fail.certificate, null);
  t.equal(skip.type, 'certificate.unchanged');
  t.equal(skip.reason, 'already deployed to id 123');
  t.equal(syncEv.type, 'sync.completed');
  t.strictSame(syncEv.sync.failed, [
    { label: 'lego:b.example', domain: 'b.example', code: 'NO_RECORD', message: 'no record' },
  ]);
  t.equal(test.type, 'notify.test');
  for (const e of [rec, edge, fail, skip, syncEv, test])
    t.strictSame(Object.keys(e), Object.keys(webhookEvent('success', success)), `${e.type}: every key, always`);
  t.equal(WEBHOOK_EVENT_VERSION, 1);
  t.equal(webhookEvent('failure', { ...failure, domain: undefined }, 'x').domain, null);
});

t.test('a retry is signed afresh, with the same delivery id', async (t) => {
  let clock = Date.now();
  const sb = await sinks(t, [{ status: 503 }], 'webhook');
  const { n, keep, sleeps } = webhook(sb, {}, () => (clock += 7000));
  t.strictSame(await keep(n.success(success)), { notifier: 'webhook', ok: true, detail: 'sent', attempts: 2 });
  t.strictSame(sleeps, [250]);
  const [first, second] = sb.notify.webhook.requests;
  t.not(first!.headers['x-beluga-timestamp'], second!.headers['x-beluga-timestamp']);
  t.equal(first!.headers['x-beluga-delivery'], second!.headers['x-beluga-delivery']);
  t.equal(first!.body, second!.body);
});

t.test('the receiver refuses: unsigned, wrong secret, stale timestamp; 4xx is final', async (t) => {
  const sb = await sinks(t);
  const unsigned = webhook(sb, { secret: undefined });
  t.strictSame(await unsigned.keep(unsigned.n.success(success)), {
    notifier: 'webhook',
    ok: false,
    attempts: 1,
    detail: 'HTTP 401 {"error":"missing X-Beluga-Timestamp or X-Beluga-Signature"}',
  });
  const wrong = webhook(sb, { secret: 'another-secret-of-32-characters!' });
  t.match(await wrong.keep(wrong.n.success(success)), {
    ok: false,
    attempts: 1,
    detail: 'HTTP 401 {"error":"signature does not match"}',
  });
  const stale = webhook(sb, {}, () => Date.now() - 3_600_000);
  t.match(await stale.keep(stale.n.success(success)), { ok: false, attempts: 1, detail: /timestamp outside/ });
  t.strictSame(sb.notify.webhook.messages, []);
  // A duplicate delivery (a retry whose first answer was lost) is acknowledged, not kept twice.
  const body = JSON.stringify(webhookEvent('success', success, 'fixed-id'));
  const ts = String(Math.floor(Date.now() / 1000));
  const headers = {
    'Content-Type': 'application/json',
    'X-Beluga-Timestamp': ts,
    'X-Beluga-Signature': signWebhook(sb.notify.webhook.secret, ts, body),
  };
  for (const expected of ['{"ok":true}', '{"ok":true,"duplicate":true}']) {
    const res = await nodeFetchClient(sb.notify.webhook.url, { method: 'POST', headers, body, timeoutMs: 5000 });
    t.equal(res.text, expected);
  }
  t.equal(sb.notify.webhook.messages.length, 1);
});

t.test('429 with Retry-After, 408 and 5xx retried; a hanging receiver times out', async (t) => {
  const sb = await sinks(t, [{ status: 429, headers: { 'Retry-After': '2' } }, { status: 408 }], 'webhook');
  const { n, keep, sleeps } = webhook(sb);
  t.strictSame(await keep(n.success(success)), { notifier: 'webhook', ok: true, detail: 'sent', attempts: 3 });
  t.strictSame(sleeps, [2000, 500]);
  const slow = await sinks(t, [{ delayMs: 1000, times: 3 }], 'webhook');
  const s = webhook(slow, { timeoutMs: 150 });
  t.strictSame(await s.keep(s.n.success(success)), {
    notifier: 'webhook',
    ok: false,
    detail: 'timeout after 3 attempts',
    attempts: 3,
  });
});

t.test('the run deadline stops retries in time', async (t) => {
  const sb = await sinks(t, [{ status: 503, times: 3 }], 'webhook');
  const sleeps: number[] = [];
  const config = { url: sb.notify.webhook.url, secret: sb.notify.webhook.secret, timeoutMs: 5000, maxAttempts: 3 };
  const n = createWebhookNotifier(config, {
    http: nodeFetchClient,
    sleep: noSleep(sleeps),
    deadline: Date.now() + 1000,
  });
  t.match(await log.keep(n.success(success)), {
    ok: false,
    attempts: 1,
    detail: /after 1 attempt \(the run budget leaves no time for another\)$/,
  });
  t.strictSame(sleeps, []);
});

t.test('settings: a secret without a URL, a short secret', async (t) => {
  t.throws(() => webhookConfig({ WEBHOOK_SECRET: 'x'.repeat(32) }), {
    code: 'CONFIG',
    message: /missing setting: WEBHOOK_URL/,
  });
  t.throws(() => webhookConfig({ WEBHOOK_URL: 'https://hooks.example/in', WEBHOOK_SECRET: 'short' }), {
    message: /WEBHOOK_SECRET is too short/,
  });
  t.match(webhookConfig({ WEBHOOK_URL: 'https://hooks.example/in' }), { secret: undefined });
});

t.test('no detail holds the URL or the secret', async (t) => {
  t.ok(log.all.length >= 12, `checked ${log.all.length}`);
  t.strictSame(log.leaks(secrets), []);
});
