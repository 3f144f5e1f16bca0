/**
 * BELUGA_BASE_URL holds a scheme, a host and at most a path: credentials in it, a `?query` or a
 * `#fragment` (which would send the key-carrying PUT to `/` or `/?q=/api/...`) stop the CLI
 * with a CONFIG error before any request, and a password in it is never printed.
 */
import t from 'tap';
import { EXIT } from '../src/errors.js';
import { startSandbox } from '../src/sandbox/index.js';
import { fixture, fixtureText, runCli } from './helpers/run-cli.js';

const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };
const cert = ['--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];
const sb = await startSandbox({
  credentials: TOKEN,
  records: [
    { id: '1001', site: 'example-com', certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') },
  ],
});
t.teardown(() => sb.close());
const hostPort = sb.url.replace('http://', '');
const env = (base: string) => ({
  BELUGA_BASE_URL: base,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
});

const refused: Array<[string, string, RegExp]> = [
  [
    'user and password',
    `http://ops:url-pass-w0rd-42@${hostPort}`,
    /BELUGA_BASE_URL must not hold a user name or password/,
  ],
  ['a user name alone', `http://ops@${hostPort}`, /BELUGA_BASE_URL must not hold a user name or password/],
  [
    'a query',
    `${sb.url}/?q=`,
    /BELUGA_BASE_URL must not hold a \?query or #fragment \(http:\/\/127\.0\.0\.1:\d+\/\?q=\)/,
  ],
  ['an empty query', `${sb.url}?`, /BELUGA_BASE_URL must not hold a \?query or #fragment/],
  ['a fragment', `${sb.url}#frag`, /BELUGA_BASE_URL must not hold a \?query or #fragment/],
];

for (const [name, base, message] of refused) {
  t.test(`BELUGA_BASE_URL with ${name}: CONFIG, nothing sent`, async (t) => {
    const before = sb.requests.length;
    const r = await runCli(['deploy', ...cert], env(base));
    t.equal(r.code, EXIT.CONFIG, r.stderr);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
    t.match(r.stderr, message);
    t.notMatch(r.stdout + r.stderr, /url-pass-w0rd-42/, 'the password in the URL is not printed');
    t.equal(sb.requests.length, before, 'no request');
  });
}

t.test('a base URL ending in / still works', async (t) => {
  const r = await runCli(['deploy', '--dry-run', ...cert], env(`${sb.url}/`));
  t.equal(r.code, 0, r.stderr);
});
