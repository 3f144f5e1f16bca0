/**
 * The trust check: before anything is sent, the leaf and its chain must lead to a trusted root
 * (node's roots, the system bundle, BELUGA_CA_FILE). Against a real (non-loopback) API an
 * untrusted certificate is refused with CERT_UNTRUSTED naming the issuer, a Let's Encrypt staging
 * certificate is called what it is; against the loopback sandbox it is a warning; and
 * BELUGA_ALLOW_UNTRUSTED=true lets it through, saying so.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { anchorsFromText, verifyTrust } from '../src/certificate/trust.js';
import { EXIT } from '../src/errors.js';
import { startSandbox } from '../src/sandbox/index.js';
import { makeChain } from './helpers/make-chain.js';
import { fixture, fixtureText, runCli } from './helpers/run-cli.js';

const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };
const dir = mkdtempSync(join(tmpdir(), 'trust-test-'));
t.teardown(() => import('node:fs').then((fs) => fs.rmSync(dir, { recursive: true, force: true })));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

const x509 = (pem: string) => new X509Certificate(pem);
const root = x509(fixtureText('root.crt'));
const leaf = x509(fixtureText('ec256.crt'));
const chain = fixtureText('chain.pem')
  .split(/(?<=-----END CERTIFICATE-----\n)/)
  .filter((p) => p.includes('BEGIN'))
  .map(x509);
const now = new Date();

t.test('verifyTrust walks leaf -> intermediates -> an anchor', async (t) => {
  const anchors = anchorsFromText(fixtureText('root.crt'), 'BELUGA_CA_FILE');
  t.match(verifyTrust(leaf, chain, anchors, now), {
    trusted: true,
    root: 'Beluga Test Root CA',
    source: 'BELUGA_CA_FILE',
  });
  const without = verifyTrust(leaf, chain, [], now);
  t.match(without, { trusted: false, issuer: 'O=Beluga Test, CN=Beluga Test Root CA', staging: false });
  // Only the first intermediate: the walk stops at the second's issuer, which nobody trusts.
  t.match(verifyTrust(leaf, chain.slice(0, 1), anchors, now), {
    trusted: false,
    issuer: 'O=Beluga Test, CN=Beluga Test Intermediate 1',
  });
  // The root sent in the chain is not trusted for being there, only for being an anchor.
  t.match(verifyTrust(leaf, [...chain, root], [], now), { trusted: false });
  t.match(verifyTrust(leaf, [...chain, root], anchors, now), { trusted: true });
  // An anchor that is not valid now anchors nothing.
  t.match(verifyTrust(leaf, chain, anchors, new Date('2140-01-01T00:00:00Z')), { trusted: false });
});

t.test('an expired intermediate breaks the path', async (t) => {
  const c = makeChain({
    rootName: 'Old Int Root',
    intermediateName: 'Old Int',
    names: ['old.example'],
    intermediateNotAfter: new Date(Date.now() - 3_600_000),
  });
  const verdict = verifyTrust(
    x509(c.leafPem),
    [x509(c.intermediatePem)],
    anchorsFromText(c.rootPem, 'BELUGA_CA_FILE'),
    now,
  );
  t.match(verdict, { trusted: false, reason: /intermediate "Old Int" is not valid now/ });
});

// A certificate for the non-loopback cases: nothing may be sent before the refusal, so the API
// is a loopback address written so that it does not look like one (IPv4-mapped IPv6); a request
// that does get through fails there quickly (TLS to a plain-HTTP sandbox).
const sb = await startSandbox({
  credentials: TOKEN,
  records: [
    { id: '1001', site: 'example-com', certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') },
  ],
});
t.teardown(() => sb.close());
const port = new URL(sb.url).port;
const remote = {
  BELUGA_BASE_URL: `https://[::ffff:127.0.0.1]:${port}`,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  BELUGA_RETRIES: '1',
};
const local = { BELUGA_BASE_URL: sb.url, BELUGA_TOKEN_ID: TOKEN.tokenId, BELUGA_TOKEN_SECRET: TOKEN.tokenSecret };
const cert = ['--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];

t.test('non-loopback API, no anchor for the test CA: CERT_UNTRUSTED, one line, nothing sent', async (t) => {
  const before = sb.requests.length;
  for (const dryRun of [[], ['--dry-run']]) {
    const r = await runCli(['deploy', ...dryRun, ...cert], remote);
    t.equal(r.code, EXIT.CERT_UNTRUSTED, r.stderr);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
    t.match(
      r.stderr,
      /browsers would not trust this certificate: no trusted root issued "O=Beluga Test, CN=Beluga Test Root CA".*BELUGA_CA_FILE/,
    );
  }
  t.equal(sb.requests.length, before, 'no request reached the API');
});

t.test('non-loopback API, BELUGA_CA_FILE holds the root: the trust step passes and names it', async (t) => {
  const r = await runCli(['deploy', ...cert], { ...remote, BELUGA_CA_FILE: fixture('root.crt') });
  t.match(r.stdout, /trust: chains to "Beluga Test Root CA" \(BELUGA_CA_FILE\)/);
  t.not(r.code, EXIT.CERT_UNTRUSTED, 'not refused for trust');
  t.not(r.code, EXIT.OK, 'the https request to a plain-HTTP port fails after the trust step');
});

t.test('BELUGA_ALLOW_UNTRUSTED=true: passes, and says so', async (t) => {
  const r = await runCli(['deploy', ...cert], { ...remote, BELUGA_ALLOW_UNTRUSTED: 'true' });
  t.not(r.code, EXIT.CERT_UNTRUSTED);
  t.match(r.stdout, /warning: BELUGA_ALLOW_UNTRUSTED=true/);
  t.match(
    r.stdout,
    /warning: trust: browsers would not trust this certificate.*\(uploaded anyway: BELUGA_ALLOW_UNTRUSTED=true\)/,
  );
  const bad = await runCli(['deploy', '--dry-run', ...cert], { ...remote, BELUGA_ALLOW_UNTRUSTED: 'sure' });
  t.equal(bad.code, EXIT.CONFIG, bad.stderr);
  t.match(bad.stderr, /BELUGA_ALLOW_UNTRUSTED must be true or false \(got sure\)/);
});

t.test('a bad BELUGA_CA_FILE is CONFIG, before anything is sent', async (t) => {
  const before = sb.requests.length;
  const missing = await runCli(['deploy', ...cert], { ...local, BELUGA_CA_FILE: join(dir, 'nope.pem') });
  t.equal(missing.code, EXIT.CONFIG, missing.stderr);
  t.match(missing.stderr, /BELUGA_CA_FILE=.*nope\.pem cannot be read \(ENOENT\)/);
  const empty = await runCli(['deploy', ...cert], {
    ...local,
    BELUGA_CA_FILE: write('empty.pem', 'no certificates here\n'),
  });
  t.equal(empty.code, EXIT.CONFIG, empty.stderr);
  t.match(empty.stderr, /holds no PEM certificate/);
  t.equal(sb.requests.length, before, 'no request');
});

t.test("a Let's Encrypt staging certificate is named as such", async (t) => {
  const c = makeChain({
    rootName: '(STAGING) Pretend Pear X1',
    intermediateName: '(STAGING) Counterfeit Cashew R10',
    names: ['example.com', 'www.example.com'],
  });
  const args = [
    'deploy',
    '--cert',
    write('staging.crt', c.leafPem + c.intermediatePem),
    '--key',
    write('staging.key', c.keyPem),
  ];
  const refused = await runCli(args, remote);
  t.equal(refused.code, EXIT.CERT_UNTRUSTED, refused.stderr);
  t.match(
    refused.stderr,
    /this is a Let's Encrypt staging certificate \(issuer "O=Chain Test, CN=\(STAGING\) Pretend Pear X1"\); browsers do not trust it; issue it from the production ACME directory/,
  );
  // Against the sandbox it is a warning, and the deploy goes on.
  const warned = await runCli(args, local);
  t.equal(warned.code, EXIT.OK, warned.stderr);
  t.match(
    warned.stdout,
    /warning: trust: this is a Let's Encrypt staging certificate.*\(uploaded anyway: BELUGA_BASE_URL is a loopback sandbox\)/,
  );
});

t.test('loopback sandbox: an untrusted certificate is a warning; with the CA file, a trust line', async (t) => {
  const warned = await runCli(['deploy', '--dry-run', ...cert], local);
  t.equal(warned.code, EXIT.OK, warned.stderr);
  t.match(
    warned.stdout,
    /warning: trust: browsers would not trust this certificate: no trusted root issued "O=Beluga Test, CN=Beluga Test Root CA" \(uploaded anyway: BELUGA_BASE_URL is a loopback sandbox\)/,
  );
  const trusted = await runCli(['deploy', '--dry-run', ...cert], { ...local, BELUGA_CA_FILE: fixture('root.crt') });
  t.equal(trusted.code, EXIT.OK, trusted.stderr);
  t.match(trusted.stdout, /trust: chains to "Beluga Test Root CA" \(BELUGA_CA_FILE\)/);
  t.notMatch(trusted.stdout, /warning: trust/);
});
