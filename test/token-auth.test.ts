import t from 'tap';
import { execFileSync } from 'node:child_process';
import { authHeaders, belugaDate, signString } from '../src/beluga/token-auth.js';

// openssl is an implementation independent of ours: the signature must agree with it.
const opensslHmac = (key: string, text: string) =>
  execFileSync('openssl', ['dgst', '-sha512', '-hmac', key, '-r'], { input: text }).toString().split(' ')[0];
const opensslSha512 = (text: string) =>
  execFileSync('openssl', ['dgst', '-sha512', '-r'], { input: text }).toString().split(' ')[0];

t.test('date is Python utcnow().isoformat("T") + "Z"', async (t) => {
  t.equal(belugaDate(new Date('2017-08-06T10:21:33.512Z')), '2017-08-06T10:21:33.512000Z');
  // Python omits the fraction when microseconds are zero.
  t.equal(belugaDate(new Date('2017-08-06T10:21:33.000Z')), '2017-08-06T10:21:33Z');
  t.equal(belugaDate(new Date('2017-08-06T10:21:33.007Z')), '2017-08-06T10:21:33.007000Z');
});

t.test('sign string: GET has no body hash, PUT and POST hash the exact body', async (t) => {
  const date = '2017-08-06T10:21:33.512034Z';
  t.equal(signString('GET', '/api/cdn/v2/ssl-certificates', date), `GET:/api/cdn/v2/ssl-certificates:${date}`);
  t.equal(
    signString('DELETE', '/api/cdn/v2/ssl-certificates/7', date, 'ignored'),
    `DELETE:/api/cdn/v2/ssl-certificates/7:${date}`,
  );
  const body = '{"id":"7","certificate":"-----BEGIN CERTIFICATE-----\\nMII\\n"}';
  t.equal(
    signString('PUT', '/api/cdn/v2/ssl-certificates', date, body),
    `PUT:/api/cdn/v2/ssl-certificates:${date}:${opensslSha512(body)}`,
  );
  t.equal(signString('POST', '/p', date, 'é'), `POST:/p:${date}:${opensslSha512('é')}`);
});

t.test('token headers agree with openssl, path includes the query', async (t) => {
  const now = new Date('2017-08-06T10:21:33.512Z');
  const auth = { kind: 'token' as const, tokenId: 'tok-1', tokenSecret: 's3cr3t-token' };
  const h = authHeaders(auth, 'GET', 'http://127.0.0.1:9/api/cdn/v2/ssl-certificates?x=1', undefined, now);
  t.equal(h.Date, '2017-08-06T10:21:33.512000Z');
  const expected = opensslHmac('s3cr3t-token', 'GET:/api/cdn/v2/ssl-certificates?x=1:2017-08-06T10:21:33.512000Z');
  t.equal(h.Authorization, `Token tok-1 ${expected}`);
  const body = '{"id":1}';
  const put = authHeaders(auth, 'PUT', 'https://api.belugacdn.com/api/cdn/v2/ssl-certificates', body, now);
  t.equal(
    put.Authorization,
    `Token tok-1 ${opensslHmac('s3cr3t-token', `PUT:/api/cdn/v2/ssl-certificates:2017-08-06T10:21:33.512000Z:${opensslSha512(body)}`)}`,
  );
});

t.test('basic auth is base64(user:password) and sends no Date', async (t) => {
  const h = authHeaders(
    { kind: 'basic', username: 'ops@example.com', password: 'pa:ss' },
    'GET',
    'https://x/y',
    undefined,
    new Date(),
  );
  t.same(h, { Authorization: `Basic ${Buffer.from('ops@example.com:pa:ss').toString('base64')}` });
});
