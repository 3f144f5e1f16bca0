/**
 * Retries, backoff and the run budget, against the real sandbox over loopback: a fake clock that
 * only the injected sleep moves, so nothing here waits for a backoff or depends on the machine's speed.
 */
import t, { type Test } from 'tap';
import { createServer } from 'node:net';
import { createBelugaClient } from '../src/beluga/client.js';
import { policyFromSettings, type RetryPolicy } from '../src/beluga/retry-policy.js';
import { createRetryingHttp } from '../src/beluga/retrying-http.js';
import { backoffDelayMs, retryAfterMs } from '../src/retry.js';
import { nodeFetchClient, TransportError, type HttpClient, type HttpRequest } from '../src/http.js';
import { startSandbox, type Sandbox } from './helpers/sandbox.js';
import { fixtureText } from './helpers/run-cli.js';

const API = '/api/cdn/v2/ssl-certificates';
const AUTH = { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` };
const JSON_HEADERS = { ...AUTH, 'Content-Type': 'application/json' };
const EC = { certificate: fixtureText('ec256.crt'), key: fixtureText('ec256.pkcs8.key') };
const START = 1_700_000_000_000; // a whole second, so HTTP dates convert exactly

/** A small seeded generator (mulberry32): jitter varies, yet every run is the same. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function sandbox(t: Test): Promise<Sandbox> {
  const sb = await startSandbox({
    credentials: { username: 'u', password: 'p' },
    records: [{ id: '7', certificate: EC.certificate }],
  });
  t.teardown(() => sb.close());
  return sb;
}

/** nodeFetchClient behind a retrying wrapper, with every inner call and every wait recorded. */
function harness(policy: Partial<RetryPolicy> = {}, random: () => number = seeded(42)) {
  const clock = { now: START };
  const calls: HttpRequest[] = [];
  const delays: number[] = [];
  const lines: string[] = [];
  const recording: HttpClient = (url, request) => {
    calls.push(request);
    return nodeFetchClient(url, request);
  };
  const full: RetryPolicy = {
    maxAttempts: 4,
    baseDelayMs: 500,
    maxDelayMs: 8000,
    deadline: START + 90_000,
    budgetMs: 90_000,
    ...policy,
  };
  const http = createRetryingHttp(recording, full, {
    sleep: async (ms) => {
      delays.push(ms);
      clock.now += ms;
    },
    now: () => clock.now,
    random,
    onRetry: (line) => lines.push(line),
  });
  return { http, calls, delays, lines, clock };
}

const get = (http: HttpClient, sb: Sandbox, timeoutMs = 5000) =>
  http(sb.url + API, { method: 'GET', headers: AUTH, timeoutMs });
const post = (http: HttpClient, base: string, timeoutMs = 5000) =>
  http(base + API, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ ...EC, site: 'site-a' }),
    timeoutMs,
  });
const put = (http: HttpClient, sb: Sandbox) =>
  http(sb.url + API, {
    method: 'PUT',
    headers: JSON_HEADERS,
    body: JSON.stringify({ id: '7', ...EC }),
    timeoutMs: 5000,
  });

/** A loopback port that nothing listens on: bind one, then close it. */
async function refusedBase(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

t.test('500 then 200: two attempts, one retry line without the URL', async (t) => {
  const sb = await sandbox(t);
  const h = harness();
  sb.fault({ target: 'api', status: 500 });
  const res = await get(h.http, sb);
  t.equal(res.status, 200);
  t.equal(h.calls.length, 2);
  t.equal(sb.requests.length, 2);
  t.equal(h.delays.length, 1);
  t.match(h.lines, [/^retry 2\/4 in \d+\.\d s: HTTP 500 \(GET\)$/]);
  t.notOk(h.lines.join('\n').includes('127.0.0.1'), 'no URL in the retry line');
});

for (const status of [502, 503, 504]) {
  t.test(`${status} then 200 is retried`, async (t) => {
    const sb = await sandbox(t);
    const h = harness();
    sb.fault({ target: 'api', status });
    t.equal((await get(h.http, sb)).status, 200);
    t.equal(h.calls.length, 2);
  });
}

t.test('429 with Retry-After waits what the server says', async (t) => {
  const sb = await sandbox(t);
  const h = harness();
  sb.fault({ target: 'api', status: 429, headers: { 'Retry-After': '2' } });
  t.equal((await get(h.http, sb)).status, 200);
  t.same(h.delays, [2000]);
  t.match(h.lines, [/^retry 2\/4 in 2\.0 s: HTTP 429 \(GET\)$/]);
  sb.fault({ target: 'api', status: 429, headers: { 'Retry-After': new Date(h.clock.now + 3000).toUTCString() } });
  t.equal((await get(h.http, sb)).status, 200);
  t.same(h.delays, [2000, 3000], 'an HTTP date counts from now');
  // 9 s, not 12: the one engine caps a server's wait at 10 s (RETRY_AFTER_CAP_MS) for every caller.
  sb.fault({ target: 'api', status: 429, headers: { 'Retry-After': '9' } });
  t.equal((await get(h.http, sb)).status, 200);
  t.equal(h.delays.at(-1), 9000, 'honoured past maxDelayMs while the budget allows it');
});

t.test('a Retry-After past the budget stops at once with the 429', async (t) => {
  const sb = await sandbox(t);
  const h = harness();
  sb.fault({ target: 'api', status: 429, headers: { 'Retry-After': '3600' } });
  t.equal((await get(h.http, sb)).status, 429);
  t.equal(h.calls.length, 1);
  t.same(h.delays, []);
});

t.test('persistent 503: maxAttempts attempts, then the 503 itself', async (t) => {
  const sb = await sandbox(t);
  const h = harness();
  sb.fault({ target: 'api', status: 503, times: 10 });
  const res = await get(h.http, sb);
  t.equal(res.status, 503);
  t.equal(JSON.parse(res.text).result, 'failure', 'the last answer, body and all');
  t.equal(sb.requests.length, 4);
  t.equal(h.delays.length, 3);
  t.match(h.lines, [/^retry 2\/4 /, /^retry 3\/4 /, /^retry 4\/4 /]);
});

t.test('maxAttempts 1 never retries', async (t) => {
  const sb = await sandbox(t);
  const h = harness({ maxAttempts: 1 });
  sb.fault({ target: 'api', status: 503 });
  t.equal((await get(h.http, sb)).status, 503);
  t.equal(sb.requests.length, 1);
});

t.test('permanent answers are not retried: 400, 401, 403, 404, and 200 with result failure', async (t) => {
  const sb = await sandbox(t);
  for (const status of [400, 401, 403, 404]) {
    const h = harness();
    sb.fault({ target: 'api', status });
    t.equal((await get(h.http, sb)).status, status);
    t.equal(h.calls.length, 1, `${status}: one attempt`);
    t.same(h.lines, []);
  }
  const h = harness();
  sb.fault({ target: 'api', failure: true });
  const res = await get(h.http, sb);
  t.equal(res.status, 200);
  t.equal(JSON.parse(res.text).result, 'failure');
  t.equal(h.calls.length, 1, 'a refusal in a 200 is an answer, not a hiccup');
});

t.test('a dropped connection, then OK', async (t) => {
  const sb = await sandbox(t);
  const h = harness();
  sb.fault({ target: 'api', drop: true });
  t.equal((await get(h.http, sb)).status, 200);
  t.equal(h.calls.length, 2);
  t.match(h.lines, [/^retry 2\/4 in \d+\.\d s: connection failed/]);
});

t.test('no answer within the timeout, then OK', async (t) => {
  const sb = await sandbox(t);
  const h = harness();
  sb.fault({ target: 'api', delayMs: 5000 });
  t.equal((await get(h.http, sb, 200)).status, 200);
  t.equal(h.calls.length, 2);
  t.match(h.lines, [/^retry 2\/4 in \d+\.\d s: no answer within 0\.2 s \(GET\)$/]);
});

t.test('PUT and DELETE are idempotent: retried after a drop and after a 500', async (t) => {
  const sb = await sandbox(t);
  const h = harness();
  sb.fault({ target: 'api', method: 'PUT', drop: true });
  sb.fault({ target: 'api', method: 'PUT', status: 500 });
  t.equal((await put(h.http, sb)).status, 200);
  t.equal(h.calls.length, 3);
  sb.fault({ target: 'api', method: 'DELETE', drop: true });
  t.equal((await h.http(`${sb.url}${API}/7`, { method: 'DELETE', headers: AUTH, timeoutMs: 5000 })).status, 200);
  t.equal(h.calls.length, 5);
  t.same(sb.records(), []);
});

t.test('POST is not repeated when the server may have created the record', async (t) => {
  const sb = await sandbox(t);
  const dropped = harness();
  sb.fault({ target: 'api', method: 'POST', drop: true });
  await t.rejects(post(dropped.http, sb.url), TransportError);
  t.equal(dropped.calls.length, 1, 'not after a dropped connection');

  const late = harness();
  sb.fault({ target: 'api', method: 'POST', delayMs: 5000 });
  await t.rejects(post(late.http, sb.url, 200), {
    name: 'TransportError',
    kind: 'timeout',
    message: 'no answer within 0.2 s',
  });
  t.equal(late.calls.length, 1, 'not after a timeout');

  for (const fault of [{ status: 500 }, { status: 502 }, { status: 503 }]) {
    const h = harness();
    sb.fault({ target: 'api', method: 'POST', ...fault });
    t.equal((await post(h.http, sb.url)).status, fault.status);
    t.equal(h.calls.length, 1, `not after ${fault.status} without Retry-After`);
    t.same(h.lines, []);
  }
  t.same([...dropped.lines, ...late.lines], [], 'no retry announced');
});

t.test('POST is repeated when nothing can have been processed: 429, 503 with Retry-After', async (t) => {
  const sb = await sandbox(t);
  const h = harness();
  sb.fault({ target: 'api', method: 'POST', status: 429 });
  sb.fault({ target: 'api', method: 'POST', status: 503, headers: { 'Retry-After': '1' } });
  const res = await post(h.http, sb.url);
  t.equal(res.status, 200);
  t.equal(h.calls.length, 3);
  t.equal(h.delays[1], 1000);
  t.equal(sb.records().length, 2, 'exactly one record created (besides the seeded one)');
  t.match(h.lines, [/HTTP 429 \(POST\)$/, /HTTP 503 \(POST\)$/]);
});

t.test('a refused connection is retried, for POST too, and the error says how often', async (t) => {
  const base = await refusedBase();
  const h = harness();
  const err = await post(h.http, base).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, TransportError);
  t.match(err, { kind: 'network', message: /^connection failed \(ECONNREFUSED\) \(4 attempts\)$/ });
  t.equal(h.calls.length, 4);
  t.notOk(String((err as Error).message).includes(base), 'no URL in the error');
  t.notOk(h.lines.join('\n').includes(base), 'no URL in the retry lines');
});

t.test('a near deadline: fewer attempts, each timeout cut to what is left', async (t) => {
  const sb = await sandbox(t);
  const h = harness({ maxAttempts: 6, deadline: START + 2500 }, () => 0.5);
  sb.fault({ target: 'api', status: 503, times: 10 });
  const res = await get(h.http, sb);
  t.equal(res.status, 503);
  t.same(h.delays, [250, 500], 'half of 500, then half of 1000');
  t.same(
    h.calls.map((c) => c.timeoutMs),
    [2500, 2250, 1750],
    'the budget left, under the 5 s per request',
  );
  t.equal(sb.requests.length, 3, 'a 1000 ms wait would leave under 1 s for a fourth attempt');
});

t.test('a timeout the budget imposed says so', async (t) => {
  const sb = await sandbox(t);
  const h = harness({ deadline: START + 300 });
  sb.fault({ target: 'api', delayMs: 5000 });
  await t.rejects(get(h.http, sb), {
    name: 'TransportError',
    kind: 'timeout',
    message: 'no answer within 0.3 s, when the run budget of 90 s (BELUGA_RUN_BUDGET) ran out',
  });
  t.same(
    h.calls.map((c) => c.timeoutMs),
    [300],
  );
});

t.test('a transport error when the budget cannot fit another attempt names the budget', async (t) => {
  const sb = await sandbox(t);
  const h = harness({ deadline: START + 1100 });
  sb.fault({ target: 'api', drop: true });
  await t.rejects(get(h.http, sb), {
    kind: 'network',
    message: /^connection failed.*; the run budget of 90 s \(BELUGA_RUN_BUDGET\) leaves no time for another$/,
  });
  t.equal(h.calls.length, 1);
});

t.test('a wait that overran the budget ends the retries', async (t) => {
  const sb = await sandbox(t);
  let clock = START;
  const slowSleepHttp = createRetryingHttp(
    nodeFetchClient,
    { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8000, deadline: START + 5000, budgetMs: 5000 },
    {
      sleep: async (ms) => {
        clock += ms * 20;
      }, // the machine stalled during the wait
      now: () => clock,
      random: () => 0.5,
    },
  );
  sb.fault({ target: 'api', drop: true, times: 5 });
  await t.rejects(get(slowSleepHttp, sb), {
    kind: 'network',
    message: /^connection failed.*; the run budget of 5 s \(BELUGA_RUN_BUDGET\) ran out$/,
  });
  t.equal(sb.requests.length, 1);
});

t.test('a budget spent before the first attempt sends nothing', async (t) => {
  const sb = await sandbox(t);
  const { policy } = policyFromSettings({}, START - 91_000);
  const http = createRetryingHttp(nodeFetchClient, policy, { now: () => START, sleep: async () => {} });
  await t.rejects(get(http, sb), {
    name: 'TransportError',
    kind: 'timeout',
    message: 'the run budget of 90 s (BELUGA_RUN_BUDGET) was spent before GET could be sent',
  });
  t.equal(sb.requests.length, 0);
});

t.test('an error that is not a transport error is a bug: thrown at once', async (t) => {
  let calls = 0;
  const broken: HttpClient = async () => {
    calls += 1;
    throw new RangeError('bug');
  };
  const http = createRetryingHttp(
    broken,
    { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8000, deadline: Date.now() + 60_000 },
    { sleep: async () => {} },
  );
  await t.rejects(http('http://127.0.0.1:9/', { method: 'GET', timeoutMs: 1000 }), RangeError);
  t.equal(calls, 1);
});

t.test('backoff: doubles from baseDelayMs, stops at maxDelayMs, jitter stays in bounds', async (t) => {
  const policy = { baseDelayMs: 500, maxDelayMs: 8000 };
  const top = () => 0.999999;
  t.same(
    [1, 2, 3, 4, 5, 6, 9].map((a) => backoffDelayMs(a, policy, top)),
    [500, 1000, 2000, 4000, 8000, 8000, 8000],
  );
  t.same(
    [1, 4, 9].map((a) => backoffDelayMs(a, policy, () => 0)),
    [125, 125, 125],
    'never under a quarter of the base',
  );
  t.equal(
    backoffDelayMs(3, policy, () => 0.5),
    1000,
  );
  const random = seeded(7);
  for (let attempt = 1; attempt <= 8; attempt += 1) {
    const ceiling = Math.min(8000, 500 * 2 ** (attempt - 1));
    const samples = Array.from({ length: 200 }, () => backoffDelayMs(attempt, policy, random));
    t.ok(
      samples.every((d) => d >= 125 && d <= ceiling),
      `attempt ${attempt}: within [125, ${ceiling}]`,
    );
    t.ok(new Set(samples).size > 20, `attempt ${attempt}: the waits are spread, not one value`);
  }
  t.equal(
    backoffDelayMs(1, { baseDelayMs: 500, maxDelayMs: 100 }, () => 0),
    100,
    'the floor never beats the cap',
  );
});

t.test('Retry-After: seconds or an HTTP date, anything else ignored', async (t) => {
  t.equal(retryAfterMs('2', START), 2000);
  // Fractions are read now, as every notifier read them: one parser for all.
  t.equal(retryAfterMs('1.5', START), 1500);
  t.equal(retryAfterMs(' 0 ', START), 0);
  t.equal(retryAfterMs(new Date(START + 7000).toUTCString(), START), 7000);
  t.equal(retryAfterMs(new Date(START - 7000).toUTCString(), START), 0, 'a date in the past: now');
  for (const bad of [undefined, '', '-1', '1.', '.5', '1,5', 'soon', 'Sun, 99 Foo 2024']) {
    t.equal(retryAfterMs(bad, START), undefined, `ignored: ${String(bad)}`);
  }
});

t.test('policyFromSettings: defaults, limits, and every problem named', async (t) => {
  t.same(policyFromSettings({}, START), {
    policy: { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8000, deadline: START + 90_000, budgetMs: 90_000 },
    problems: [],
  });
  const edges = policyFromSettings({ BELUGA_RETRIES: '1', BELUGA_RUN_BUDGET: '5' }, START);
  t.same([edges.policy.maxAttempts, edges.policy.deadline, edges.problems], [1, START + 5000, []]);
  const top = policyFromSettings({ BELUGA_RETRIES: '10', BELUGA_RUN_BUDGET: '3600' }, START);
  t.same([top.policy.maxAttempts, top.policy.deadline, top.problems], [10, START + 3_600_000, []]);
  t.equal(policyFromSettings({ BELUGA_RUN_BUDGET: '7.5', BELUGA_RETRIES: '' }, START).policy.deadline, START + 7500);
  for (const got of ['0', '11', '2.5', 'x']) {
    t.same(policyFromSettings({ BELUGA_RETRIES: got }, START).problems, [
      `BELUGA_RETRIES must be a whole number of attempts from 1 to 10 (got ${got})`,
    ]);
  }
  const both = policyFromSettings({ BELUGA_RETRIES: 'many', BELUGA_RUN_BUDGET: '4' }, START);
  t.same(both.problems, [
    'BELUGA_RETRIES must be a whole number of attempts from 1 to 10 (got many)',
    'BELUGA_RUN_BUDGET must be a number of seconds from 5 to 3600 (got 4)',
  ]);
  t.same([both.policy.maxAttempts, both.policy.deadline], [4, START + 90_000], 'defaults stand in for bad values');
  for (const got of ['3601', 'abc', 'Infinity']) {
    t.same(policyFromSettings({ BELUGA_RUN_BUDGET: got }, START).problems, [
      `BELUGA_RUN_BUDGET must be a number of seconds from 5 to 3600 (got ${got})`,
    ]);
  }
});

t.test('through createBelugaClient: transient 503s are ridden out, 401 is final', async (t) => {
  const sb = await sandbox(t);
  const h = harness();
  const config = { baseUrl: sb.url, timeoutMs: 5000 };
  const client = createBelugaClient(
    { ...config, auth: { kind: 'basic', username: 'u', password: 'p' } },
    { http: h.http, now: () => new Date() },
  );
  sb.fault({ target: 'api', status: 503, times: 2 });
  const records = await client.list();
  t.same(
    records.map((r) => r.id),
    ['7'],
  );
  t.equal(sb.requests.length, 3);
  t.equal(h.lines.length, 2);

  sb.fault({ target: 'api', status: 503, times: 10 });
  await t.rejects(client.list(), { code: 'REMOTE_UNAVAILABLE', message: /^beluga: list certificates: HTTP 503/ });
  t.equal(sb.requests.length, 7, 'four more attempts, then the error client.ts makes of the last answer');
  sb.clearFaults();

  sb.fault({ target: 'api', method: 'POST', drop: true });
  await t.rejects(client.create({ ...EC, site: 'site-b' }), {
    code: 'REMOTE_UNAVAILABLE',
    message: /^beluga: create certificate for site site-b: connection failed/,
  });
  t.equal(sb.requests.length, 8, 'create tried once');

  const wrong = createBelugaClient(
    { ...config, auth: { kind: 'basic', username: 'u', password: 'wrong' } },
    { http: h.http, now: () => new Date() },
  );
  const before = sb.requests.length;
  await t.rejects(wrong.list(), { code: 'CREDENTIALS_REJECTED' });
  t.equal(sb.requests.length - before, 1, 'exactly one request');
});
