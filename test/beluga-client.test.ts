/** The Beluga client in-process against the sandbox: every call, both auth kinds, error mapping. */
import t, { type Test } from 'tap';
import { createBelugaClient } from '../src/beluga/client.js';
import { nodeFetchClient } from '../src/http.js';
import { startSandbox } from './helpers/sandbox.js';
import { fixtureText } from './helpers/run-cli.js';

const creds = { tokenId: 'tid', tokenSecret: 'tsecret-abcdef', username: 'u@example.com', password: 'pw-123456' };

async function setup(t: Test, kind: 'token' | 'basic' = 'token') {
  const sb = await startSandbox({ credentials: creds });
  t.teardown(() => sb.close());
  const auth =
    kind === 'token'
      ? ({ kind, tokenId: creds.tokenId, tokenSecret: creds.tokenSecret } as const)
      : ({ kind, username: creds.username, password: creds.password } as const);
  const client = createBelugaClient(
    { baseUrl: sb.url, auth, timeoutMs: 5000 },
    { http: nodeFetchClient, now: () => new Date() },
  );
  return { sb, client };
}

const upload = {
  certificate: fixtureText('ec256.crt'),
  key: fixtureText('ec256.pkcs8.key'),
  chain: fixtureText('chain.pem'),
};

for (const kind of ['token', 'basic'] as const) {
  t.test(`create, list, update, delete with ${kind} auth`, async (t) => {
    const { sb, client } = await setup(t, kind);
    t.same(await client.list(), []);
    const created = await client.create({ ...upload, site: 'site-a' });
    t.same(created.names, ['example.com', 'www.example.com']);
    const listed = await client.list();
    t.equal(listed.length, 1);
    t.equal(listed[0].id, created.id);
    await client.update(created.id, { certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') });
    t.equal(sb.records()[0].certificate.trim(), fixtureText('rsa2048.crt').trim());
    const put = sb.requests.find((r) => r.method === 'PUT')!;
    t.equal(put.path, '/api/cdn/v2/ssl-certificates', 'update is PUT on the collection with id in the body');
    t.equal(JSON.parse(put.body).id, created.id);
    await client.delete(created.id);
    t.equal(sb.requests.at(-1)!.path, `/api/cdn/v2/ssl-certificates/${created.id}`);
    t.same(await client.list(), []);
  });
}

t.test('a failure answer on delete and a missing record are errors naming the call', async (t) => {
  const { sb, client } = await setup(t);
  await t.rejects(client.delete('404404'), {
    code: 'REMOTE_REJECTED',
    message: /^beluga: delete certificate id=404404: HTTP 404/,
  });
  sb.fault({ target: 'api', method: 'POST', failure: true });
  await t.rejects(client.create({ ...upload, site: 's' }), {
    code: 'REMOTE_REJECTED',
    message: /create certificate for site s: refused/,
  });
  sb.fault({ target: 'api', method: 'POST', status: 200, body: '{"names": "x"}' });
  await t.rejects(client.create({ ...upload, site: 's' }), {
    code: 'REMOTE_UNAVAILABLE',
    message: /not a certificate object/,
  });
  sb.fault({ target: 'api', status: 200, body: '{"certificates": [{"id": 1}]}' });
  await t.rejects(client.list(), { code: 'REMOTE_UNAVAILABLE', message: /entry 0 has no id or no "names" list/ });
  sb.fault({ target: 'api', status: 429, headers: { 'Retry-After': '3' } });
  await t.rejects(client.list(), { code: 'REMOTE_UNAVAILABLE', message: /HTTP 429/ });
  sb.fault({ target: 'api', status: 204, body: '' });
  await t.resolves(client.update('x', upload), '204 on update is success');
});

t.test('a retried request is signed again with a fresh Date', async (t) => {
  const { createRetryingHttp } = await import('../src/beluga/retrying-http.js');
  const sb = await startSandbox({ credentials: creds });
  t.teardown(() => sb.close());
  let clock = Date.now();
  const now = () => new Date((clock += 1500));
  const http = createRetryingHttp(
    nodeFetchClient,
    { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, deadline: Date.now() + 60_000 },
    { sleep: async () => undefined },
  );
  const client = createBelugaClient(
    {
      baseUrl: sb.url,
      auth: { kind: 'token', tokenId: creds.tokenId, tokenSecret: creds.tokenSecret },
      timeoutMs: 5000,
    },
    { http, now },
  );
  sb.fault({ target: 'api', status: 503, times: 2 });
  t.same(await client.list(), []);
  const dates = sb.requests.map((r) => r.headers.date);
  t.equal(dates.length, 3);
  t.equal(new Set(dates).size, 3, 'each attempt carries its own Date');
  t.equal(new Set(sb.requests.map((r) => r.headers.authorization)).size, 3, 'and its own signature');
});
