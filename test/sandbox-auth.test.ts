import t, { type Test } from 'tap';
import { createHash, createHmac } from 'node:crypto';
import { startSandbox, type Sandbox, type SandboxCredentials } from '../src/sandbox/index.js';
import { parsePythonUtcDate, tokenSignString, tokenSignature, verifyAuth } from '../src/sandbox/verify-auth.js';
import { basic, call, fixture, json, JSON_TYPE, pythonDate, tokenHeaders } from './helpers/sandbox-http.js';

const API = '/api/cdn/v2/ssl-certificates';
const NOW = new Date('2017-08-06T10:21:33.512Z');
const CREDS: SandboxCredentials = {
  username: 'ops@example.com',
  password: 'hunter2',
  tokenId: 'tok-id-1',
  tokenSecret: 'tok-secret-123',
};
const EC = { certificate: fixture('ec256.crt'), key: fixture('ec256.pkcs8.key') };

async function start(t: Test, credentials: SandboxCredentials = CREDS): Promise<Sandbox> {
  const sb = await startSandbox({ credentials, now: () => NOW, records: [{ certificate: EC.certificate }] });
  t.teardown(() => sb.close());
  return sb;
}

t.test('known vectors, computed apart from the code under test', async (t) => {
  // Python: hmac.new(b'tok-secret-123', sign.encode(), hashlib.sha512).hexdigest()
  const date = '2017-08-06T10:21:33.512034Z';
  const body = '{"id":"1000","certificate":"x","key":"y"}';
  t.equal(
    tokenSignature('tok-secret-123', tokenSignString('PUT', API, date, body)),
    '7aab31372fae3daeec6d51e156c31b0210ea3db4cba49fdc4a165a5d68d8a9a0494b817847059ddafe2b7c5ebc8394537300258397240b005ede83a83cfe6720',
  );
  t.equal(
    tokenSignature('tok-secret-123', tokenSignString('GET', API, date)),
    '963c09c0493d2e1d30634f7603ff292430957bc0d882c61adfe201ff29200e6335479bd6ee0ce4207e479ba444700ad8d1c488ec0762706785f4f446d30938ac',
  );
  const sha = createHash('sha512').update(body).digest('hex');
  t.equal(tokenSignString('POST', `${API}?a=1`, date, body), `POST:${API}?a=1:${date}:${sha}`);
  t.equal(tokenSignString('DELETE', `${API}/7`, date, body), `DELETE:${API}/7:${date}`, 'no body hash for DELETE');
  const expected = createHmac('sha512', 'k').update('GET:/x:d').digest('hex');
  t.equal(tokenSignature('k', 'GET:/x:d'), expected);

  // The same vector over HTTP: a sandbox whose clock reads that date accepts it.
  const sb = await startSandbox({ credentials: CREDS, now: () => new Date('2017-08-06T10:22:00Z') });
  t.teardown(() => sb.close());
  const res = await call(sb.url, 'GET', API, {
    Authorization:
      'Token tok-id-1 963c09c0493d2e1d30634f7603ff292430957bc0d882c61adfe201ff29200e6335479bd6ee0ce4207e479ba444700ad8d1c488ec0762706785f4f446d30938ac',
    Date: date,
  });
  t.equal(res.status, 200);
});

t.test('Python date format: microseconds optional, nothing else', async (t) => {
  t.equal(parsePythonUtcDate('2017-08-06T10:21:33.512034Z')?.toISOString(), '2017-08-06T10:21:33.512Z');
  t.equal(parsePythonUtcDate('2017-08-06T10:21:33Z')?.toISOString(), '2017-08-06T10:21:33.000Z');
  for (const bad of [
    '2017-08-06T10:21:33.512Z',
    '2017-08-06T10:21:33',
    '2017-08-06 10:21:33Z',
    '2017-08-06T10:21:33+00:00',
    'Sun, 06 Aug 2017 10:21:33 GMT',
    '2017-02-30T10:21:33Z',
    '2017-08-06T24:00:00Z',
    '',
    '2017-08-06T10:21:33.5120345Z',
  ]) {
    t.equal(parsePythonUtcDate(bad), undefined, bad);
  }
});

t.test('Basic: right pair accepted, anything else 401', async (t) => {
  const sb = await start(t);
  t.equal((await call(sb.url, 'GET', API, basic('ops@example.com', 'hunter2'))).status, 200);
  const rejected: Array<Record<string, string>> = [
    basic('ops@example.com', 'hunter3'),
    basic('other@example.com', 'hunter2'),
    basic('ops@example.com', ''),
    { Authorization: 'Basic !!!notbase64' },
    { Authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` },
    { Authorization: 'Bearer abc' },
    { Authorization: 'Basic' },
    {},
  ];
  for (const headers of rejected) {
    const res = await call(sb.url, 'GET', API, headers);
    t.equal(res.status, 401, JSON.stringify(headers));
    t.same(json(res), { result: 'failure', message: 'authentication failed', error: 'authentication_failed' });
  }
  const tokenOnly = await start(t, { tokenId: 'a', tokenSecret: 'b' });
  t.equal(
    (await call(tokenOnly.url, 'GET', API, basic('', ''))).status,
    401,
    'Basic refused when no pair is configured',
  );
});

t.test('Token: signed requests accepted, every broken part 401', async (t) => {
  const sb = await start(t);
  const date = pythonDate(NOW);
  const body = JSON.stringify({ id: '1000', ...EC });
  const put = (headers: Record<string, string>, path = API, sent = body) =>
    call(sb.url, 'PUT', path, { ...JSON_TYPE, ...headers }, sent);

  t.equal(
    (await call(sb.url, 'GET', API, tokenHeaders('tok-id-1', 'tok-secret-123', 'GET', API, date))).status,
    200,
    'GET',
  );
  t.equal(
    (await put(tokenHeaders('tok-id-1', 'tok-secret-123', 'PUT', API, date, body))).status,
    200,
    'PUT with body hash',
  );
  const query = `${API}?verbose=1`;
  t.equal(
    (await put(tokenHeaders('tok-id-1', 'tok-secret-123', 'PUT', query, date, body), query)).status,
    200,
    'query in the signature',
  );
  const noMicros = pythonDate(new Date('2017-08-06T10:21:33.000Z'));
  t.equal(noMicros, '2017-08-06T10:21:33Z');
  t.equal(
    (await call(sb.url, 'GET', API, tokenHeaders('tok-id-1', 'tok-secret-123', 'GET', API, noMicros))).status,
    200,
    'date without microseconds',
  );

  const bad: Array<[string, Record<string, string>, string?, string?]> = [
    ['wrong secret', tokenHeaders('tok-id-1', 'wrong', 'PUT', API, date, body)],
    ['wrong token id', tokenHeaders('tok-id-2', 'tok-secret-123', 'PUT', API, date, body)],
    ['hash of other body bytes', tokenHeaders('tok-id-1', 'tok-secret-123', 'PUT', API, date, body), API, `${body} `],
    [
      'signed without the body hash',
      {
        Authorization: `Token tok-id-1 ${createHmac('sha512', 'tok-secret-123').update(`PUT:${API}:${date}`).digest('hex')}`,
        Date: date,
      },
    ],
    ['query left out of the signature', tokenHeaders('tok-id-1', 'tok-secret-123', 'PUT', API, date, body), query],
    [
      'stale date (6 minutes)',
      tokenHeaders('tok-id-1', 'tok-secret-123', 'PUT', API, pythonDate(new Date(NOW.getTime() - 6 * 60_000)), body),
    ],
    [
      'future date (6 minutes)',
      tokenHeaders('tok-id-1', 'tok-secret-123', 'PUT', API, pythonDate(new Date(NOW.getTime() + 6 * 60_000)), body),
    ],
    ['milliseconds date format', tokenHeaders('tok-id-1', 'tok-secret-123', 'PUT', API, NOW.toISOString(), body)],
    ['HTTP date format', tokenHeaders('tok-id-1', 'tok-secret-123', 'PUT', API, NOW.toUTCString(), body)],
  ];
  for (const [why, headers, path, sent] of bad) {
    const res = await put(headers, path, sent);
    t.equal(res.status, 401, why);
    t.equal(json(res).message, 'authentication failed', why);
  }
  const good = tokenHeaders('tok-id-1', 'tok-secret-123', 'PUT', API, date, body);
  const noDate = { Authorization: good.Authorization! };
  t.equal((await put(noDate)).status, 401, 'no Date header');
  t.equal(
    (
      await put({
        ...good,
        Authorization: good.Authorization!.toUpperCase().replace('TOKEN TOK-ID-1', 'Token tok-id-1'),
      })
    ).status,
    401,
    'upper-case hex',
  );
  t.equal((await put({ ...good, Authorization: `${good.Authorization} extra` })).status, 401, 'extra part');
  t.equal(sb.records()[0]?.certificate, EC.certificate);
  t.ok(sb.requests.length > 10, 'rejected requests are recorded too');
});

t.test('the five-minute window is inclusive', async (t) => {
  const input = (date: string) => ({
    method: 'GET',
    path: API,
    date,
    body: new Uint8Array(),
    authorization: `Token tok-id-1 ${createHmac('sha512', 'tok-secret-123').update(`GET:${API}:${date}`).digest('hex')}`,
  });
  t.ok(verifyAuth(input(pythonDate(new Date(NOW.getTime() - 5 * 60_000))), CREDS, NOW));
  t.notOk(verifyAuth(input(pythonDate(new Date(NOW.getTime() - 5 * 60_000 - 1))), CREDS, NOW));
  t.notOk(verifyAuth(input(pythonDate(NOW)), { username: 'u', password: 'p' }, NOW), 'no token configured');
});
