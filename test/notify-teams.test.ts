import t from 'tap';
import { nodeFetchClient } from '../src/http.js';
import { createTeamsNotifier, teamsConfig } from '../src/notify/teams.js';
import { ADAPTIVE_CARD_TYPE } from '../src/notify/teams-message.js';
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

function teams(sb: Sandbox, url = sb.notify.teams.url, timeoutMs = 5000) {
  secrets.push(url, new URL(url).searchParams.get('sig') ?? '', new URL(url).pathname);
  const sleeps: number[] = [];
  const config = { webhookUrl: url, timeoutMs, maxAttempts: 3 };
  const n = createTeamsNotifier(config, { http: nodeFetchClient, sleep: noSleep(sleeps), random: HALF });
  return { n, sleeps, keep: log.keep };
}

t.test('202 with an empty body: an Adaptive Card message with the Slack fields as facts', async (t) => {
  const sb = await sinks(t);
  const { n, keep } = teams(sb);
  t.strictSame(await keep(n.success(success)), { notifier: 'teams', ok: true, detail: 'sent', attempts: 1 });
  const [msg] = sb.notify.teams.messages as any[];
  t.equal(msg.type, 'message');
  t.equal(msg.attachments.length, 1);
  t.equal(msg.attachments[0].contentType, ADAPTIVE_CARD_TYPE);
  const card = msg.attachments[0].content;
  t.equal(card.type, 'AdaptiveCard');
  t.equal(card.version, '1.4');
  t.match(card.body[0], { type: 'TextBlock', text: 'Renewed SSL certificate successfully', color: 'Good' });
  t.strictSame(
    card.body[2].facts.map((f: any) => f.title),
    ['Domain', 'Expires', 'Beluga id', 'Host'],
  );
  t.match(card.body[3].text, /^Certificate renewal · 2026-10-03T08:15:42/);
});

t.test('every event kind; failure in the attention colour, Markdown escaped', async (t) => {
  const sb = await sinks(t);
  const { n, keep } = teams(sb);
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
  const cards = (sb.notify.teams.messages as any[]).map((m) => m.attachments[0].content);
  t.equal(cards[0].body[0].color, 'Attention');
  t.equal(cards[0].body[2].facts[0].value, 'a&b\\<c\\>\\_d\\*.example');
  t.equal(cards[1].body[0].color, 'Default');
  t.match(cards[2].body[0].text, /1 deployed, 1 failed/);
  t.match(cards[4].body[2].facts.at(-1), { title: 'Recovered' });
  t.match(cards[5].body[2].facts.at(-1), { title: 'Edge', value: 'live on the edge after 14 s' });
});

t.test('documented errors: 401 wrong sig, 404 unknown workflow, 400 schema mismatch; all final', async (t) => {
  const sb = await sinks(t);
  const wrongSig = sb.notify.teams.url.replace(/sig=[^&]+/, 'sig=not-the-signature-000');
  const wrongFlow = sb.notify.teams.url.replace(/workflows\/[^/]+/, 'workflows/0000');
  const a = teams(sb, wrongSig);
  t.strictSame(await a.keep(a.n.success(success)), {
    notifier: 'teams',
    ok: false,
    attempts: 1,
    detail: 'HTTP 401 DirectApiAuthorizationRequired: The request must be authenticated only by Shared Access scheme.',
  });
  const b = teams(sb, wrongFlow);
  t.match(await b.keep(b.n.success(success)), { ok: false, attempts: 1, detail: /^HTTP 404 WorkflowNotFound/ });
  const c = await sinks(t, [{ status: 400 }], 'teams');
  const cn = teams(c);
  t.match(await cn.keep(cn.n.success(success)), {
    ok: false,
    attempts: 1,
    detail: /^HTTP 400 TriggerInputSchemaMismatch/,
  });
  t.strictSame(cn.sleeps, []);
  const bad = await nodeFetchClient(sb.notify.teams.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{"type":"message","attachments":[{"contentType":"text/plain"}]}',
    timeoutMs: 5000,
  });
  t.equal(bad.status, 400);
  t.match(JSON.parse(bad.text), { error: { code: 'TriggerInputSchemaMismatch' } });
  t.strictSame(sb.notify.teams.messages, []);
});

t.test('429 honours Retry-After; 5xx retried; a hanging workflow times out', async (t) => {
  const sb = await sinks(t, [{ status: 429, headers: { 'Retry-After': '4' } }, { status: 500 }], 'teams');
  const { n, keep, sleeps } = teams(sb);
  t.strictSame(await keep(n.success(success)), { notifier: 'teams', ok: true, detail: 'sent', attempts: 3 });
  t.strictSame(sleeps, [4000, 500]);
  const slow = await sinks(t, [{ delayMs: 1000, times: 3 }], 'teams');
  const s = teams(slow, undefined, 150);
  t.strictSame(await s.keep(s.n.success(success)), {
    notifier: 'teams',
    ok: false,
    detail: 'timeout after 3 attempts',
    attempts: 3,
  });
});

t.test('settings', async (t) => {
  t.throws(() => teamsConfig({}), { code: 'CONFIG', message: /missing setting: TEAMS_WEBHOOK_URL/ });
  t.match(
    teamsConfig({
      TEAMS_WEBHOOK_URL: 'https://prod.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=abc',
    }),
    { timeoutMs: 10_000 },
  );
});

t.test('no detail holds the URL, its path or its sig', async (t) => {
  t.ok(log.all.length >= 10);
  t.strictSame(log.leaks(secrets), []);
});
