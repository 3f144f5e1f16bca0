/**
 * Seeded chaos in the sandbox: the same seed fails the same requests the same way, the rate is
 * honoured, a failure happens before handling, and only the opt-in "lost answer" applies a change
 * the client never hears about.
 */
import t, { type Test } from 'tap';
import { request } from 'node:http';
import { X509Certificate } from 'node:crypto';
import { startSandbox } from './helpers/sandbox.js';
import type { Sandbox } from './helpers/sandbox.js';
import type { ChaosOptions } from './helpers/sandbox.js';
import { mulberry32 } from './helpers/sandbox-chaos.js';
import { basic, fixture, JSON_TYPE } from './helpers/sandbox-http.js';

const API = '/api/cdn/v2/ssl-certificates';
const AUTH = basic('u', 'p');
const EC = { certificate: fixture('ec256.crt'), key: fixture('ec256.pkcs8.key') };
const RSA = { certificate: fixture('rsa2048.crt'), key: fixture('rsa2048.pkcs8.key') };
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

async function start(t: Test, chaos?: ChaosOptions): Promise<Sandbox> {
  const sb = await startSandbox({
    credentials: { username: 'u', password: 'p' },
    records: [{ id: '1000', site: 's', ...EC }],
    chaos,
  });
  t.teardown(() => sb.close());
  return sb;
}

interface Outcome {
  /** `dropped`, or the status, with `+retry` when Retry-After: 1 came along. */
  label: string;
  status?: number;
  type?: string;
  text?: string;
}

/** One request on a fresh connection; a dropped socket is an outcome, not an error. */
function hit(
  sb: Sandbox,
  method: string,
  path: string,
  headers: Record<string, string> = AUTH,
  body?: string,
): Promise<Outcome> {
  const url = new URL(sb.url);
  const all = body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: all, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => resolve({ label: 'dropped' }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const label = res.headers['retry-after'] === '1' ? `${status}+retry` : String(status);
        resolve({ label, status, type: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', () => resolve({ label: 'dropped' }));
    req.end(body);
  });
}

const list = (sb: Sandbox) => hit(sb, 'GET', API);
const slackPost = (sb: Sandbox) => hit(sb, 'POST', new URL(sb.slackUrl).pathname, JSON_TYPE, '{"text":"hi"}');
const put = (sb: Sandbox, upload: { certificate: string; key: string }) =>
  hit(sb, 'PUT', API, { ...AUTH, ...JSON_TYPE }, JSON.stringify({ id: '1000', ...upload }));

async function labels(sb: Sandbox, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i += 1) out.push((await list(sb)).label);
  return out;
}

/** The kind chaos picked for the request `send` makes, read from the difference in its stats. */
async function withKind(
  sb: Sandbox,
  send: () => Promise<Outcome>,
): Promise<{ kind: string | undefined; outcome: Outcome }> {
  const before = sb.chaosStats().byKind;
  const outcome = await send();
  const after = sb.chaosStats().byKind;
  return { kind: Object.keys(after).find((k) => after[k] !== before[k]), outcome };
}

t.test('mulberry32 is deterministic and uniform enough', async (t) => {
  const a = mulberry32(1);
  const b = mulberry32(1);
  const first = Array.from({ length: 5 }, () => a());
  t.same(
    Array.from({ length: 5 }, () => b()),
    first,
    'same seed, same numbers',
  );
  t.notSame(Array.from({ length: 5 }, mulberry32(2)), first, 'another seed, other numbers');
  const many = Array.from({ length: 10_000 }, mulberry32(3));
  t.ok(
    many.every((x) => x >= 0 && x < 1),
    'all in [0, 1)',
  );
  const low = many.filter((x) => x < 0.5).length;
  t.ok(low > 4700 && low < 5300, `about half below 0.5 (${low})`);
});

t.test('the same seed gives the same sequence of outcomes; another seed another', async (t) => {
  const options = { rate: 0.5, seed: 42, delayMs: 1 };
  const one = await labels(await start(t, options), 40);
  const two = await labels(await start(t, options), 40);
  t.same(two, one);
  const failed = one.filter((l) => l !== '200').length;
  t.ok(failed > 0 && failed < 40, `some fail, some pass (${failed} of 40)`);
  const other = await labels(await start(t, { ...options, seed: 43 }), 40);
  t.notSame(other, one);
});

t.test('rate 0: nothing fails; a sandbox without chaos counts nothing', async (t) => {
  const sb = await start(t, { rate: 0, seed: 1 });
  t.same(new Set(await labels(sb, 50)), new Set(['200']));
  t.match(sb.chaosStats(), { requests: 50, failed: 0 });
  const plain = await start(t);
  await list(plain);
  t.same(plain.chaosStats(), { requests: 0, failed: 0, byKind: {} });
});

t.test('rate 1: everything fails, each kind the way a CDN fails', async (t) => {
  const sb = await start(t, { rate: 1, seed: 7, delayMs: 1 });
  const expected: Record<string, (o: Outcome) => boolean> = {
    '500': (o) => o.label === '500' && JSON.parse(o.text ?? '').result === 'failure',
    '502': (o) => o.label === '502' && /text\/html/.test(o.type ?? '') && /Bad Gateway/.test(o.text ?? ''),
    '503': (o) => o.label === '503' && /Service Unavailable/.test(o.text ?? ''),
    '503-retry-after': (o) => o.label === '503+retry',
    '429-retry-after': (o) => o.label === '429+retry' && JSON.parse(o.text ?? '').error === 'rate_limited',
    drop: (o) => o.label === 'dropped',
    'delay-504': (o) => o.label === '504' && /Gateway Timeout/.test(o.text ?? ''),
  };
  for (let i = 0; i < 60; i += 1) {
    const { kind, outcome } = await withKind(sb, () => list(sb));
    t.ok(kind !== undefined && expected[kind]?.(outcome), `request ${i}: ${kind} answered as ${outcome.label}`);
  }
  const stats = sb.chaosStats();
  t.match(stats, { requests: 60, failed: 60 });
  t.same(Object.keys(stats.byKind).sort(), Object.keys(expected).sort(), 'no lost answers unless asked for');
  t.ok(
    Object.values(stats.byKind).every((n) => n > 0),
    `every kind turns up (${JSON.stringify(stats.byKind)})`,
  );
  t.equal(sb.requests.length, 60, 'failed requests are recorded too');
});

t.test('the failed share over 300 requests follows the rate', async (t) => {
  const sb = await start(t, { rate: 0.2, seed: 2024, delayMs: 1 });
  const outcomes = await labels(sb, 300);
  const failed = outcomes.filter((l) => l !== '200').length;
  const stats = sb.chaosStats();
  t.equal(stats.requests, 300);
  t.equal(stats.failed, failed, 'stats agree with what the client saw');
  t.equal(
    Object.values(stats.byKind).reduce((a, b) => a + b, 0),
    failed,
  );
  // Deterministic for the seed (it changes only with mulberry32 or the draw order): the count
  // observed, which also lies near 0.2 * 300 = 60.
  t.equal(failed, 58);
  t.ok(failed >= 40 && failed <= 80, `${failed} of 300 is near the rate`);
});

t.test('a chaos failure comes before handling: nothing changes', async (t) => {
  const sb = await start(t, { rate: 1, seed: 11, delayMs: 1 });
  for (let i = 0; i < 30; i += 1) {
    const outcome = await put(sb, RSA);
    t.not(outcome.label, '200', `PUT ${i} failed (${outcome.label})`);
    await hit(sb, 'POST', API, { ...AUTH, ...JSON_TYPE }, JSON.stringify({ site: 's2', ...RSA }));
  }
  t.equal(sb.records().length, 1, 'no POST created a record');
  t.equal(fingerprint(sb.records()[0]!.certificate), fingerprint(EC.certificate), 'no PUT changed the record');
  t.equal(sb.chaosStats().failed, 60);
});

t.test('lostAnswers: the change is applied, then the connection dropped', async (t) => {
  const sb = await start(t, { rate: 1, seed: 5, delayMs: 1, lostAnswers: true });
  let lost = 0;
  for (let i = 0; i < 60 && lost === 0; i += 1) {
    const { kind, outcome } = await withKind(sb, () => put(sb, RSA));
    const now = fingerprint(sb.records()[0]!.certificate);
    if (kind === 'lost-answer') {
      lost += 1;
      t.equal(outcome.label, 'dropped', 'the client gets no answer');
      t.equal(now, fingerprint(RSA.certificate), 'but the update was applied');
    } else {
      t.equal(now, fingerprint(EC.certificate), `${kind}: nothing changed`);
    }
  }
  t.equal(lost, 1, 'a lost answer turned up within 60 requests');
  let created = 0;
  for (let i = 0; i < 60 && created === 0; i += 1) {
    const { kind, outcome } = await withKind(sb, () =>
      hit(sb, 'POST', API, { ...AUTH, ...JSON_TYPE }, JSON.stringify({ site: 's2', ...EC })),
    );
    if (kind !== 'lost-answer') continue;
    created += 1;
    t.equal(outcome.label, 'dropped');
    t.same(
      sb.records().map((r) => r.site),
      ['s', 's2'],
      'the create was applied',
    );
  }
  t.equal(created, 1, 'a lost create turned up within 60 requests');
  t.ok(sb.chaosStats().byKind['lost-answer']! >= 2);
});

t.test('target: api (default), slack or both', async (t) => {
  const apiOnly = await start(t, { rate: 1, seed: 3, delayMs: 1 });
  t.equal((await slackPost(apiOnly)).label, '200', 'Slack untouched by default');
  t.not((await list(apiOnly)).label, '200');
  t.equal(apiOnly.chaosStats().requests, 1, 'only matching requests count');

  const slackOnly = await start(t, { rate: 1, seed: 3, delayMs: 1, target: 'slack' });
  t.equal((await list(slackOnly)).label, '200', 'API untouched');
  const outcomes = [];
  for (let i = 0; i < 20; i += 1) outcomes.push((await slackPost(slackOnly)).label);
  t.ok(
    outcomes.every((l) => l !== '200'),
    `every Slack post fails (${outcomes.join(' ')})`,
  );
  t.equal(slackOnly.slackMessages.length, 0, 'no message accepted');

  const both = await start(t, { rate: 1, seed: 3, delayMs: 1, target: 'both' });
  t.not((await list(both)).label, '200');
  t.not((await slackPost(both)).label, '200');
  t.equal(both.chaosStats().requests, 2);
});

t.test('a queued fault takes precedence over chaos', async (t) => {
  const sb = await start(t, { rate: 1, seed: 9, delayMs: 1 });
  sb.fault({ target: 'api', status: 418 });
  t.equal((await list(sb)).label, '418');
  t.equal(sb.chaosStats().requests, 0, 'chaos did not see the faulted request');
  t.not((await list(sb)).label, '418');
  t.equal(sb.chaosStats().requests, 1);
});

t.test('the slow failure waits 3 s by default, and close() does not wait for it', async (t) => {
  // A seed whose first failure is delay-504: one draw for "fail?", one for the kind (7 of them).
  const seed = Array.from({ length: 1000 }, (_, s) => s).find((s) => {
    const random = mulberry32(s);
    random();
    return Math.floor(random() * 7) === 6;
  }) as number;
  const sb = await startSandbox({ credentials: { username: 'u', password: 'p' }, chaos: { rate: 1, seed } });
  let settled: Outcome | undefined;
  const answer = list(sb).then((o) => (settled = o));
  for (let i = 0; i < 500 && sb.requests.length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  t.equal(settled, undefined, 'still waiting 50 ms after the request arrived');
  t.same(sb.chaosStats().byKind['delay-504'], 1);
  await sb.close();
  t.equal((await answer).label, 'dropped', 'close() ends the wait');
});

t.test('bad chaos options refuse to start', async (t) => {
  const bad: Array<[string, ChaosOptions]> = [
    ['negative rate', { rate: -0.1, seed: 1 }],
    ['rate above 1', { rate: 1.5, seed: 1 }],
    ['rate NaN', { rate: Number.NaN, seed: 1 }],
    ['fractional seed', { rate: 0.5, seed: 1.5 }],
    ['unknown target', { rate: 0.5, seed: 1, target: 'ftp' as 'api' }],
    ['negative delay', { rate: 0.5, seed: 1, delayMs: -1 }],
  ];
  for (const [name, chaos] of bad) {
    await t.rejects(startSandbox({ credentials: {}, chaos }), /chaos\./, name);
  }
});
