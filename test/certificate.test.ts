import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCertificate } from '../src/certificate/read-certificate.js';
import type { CertificateFiles } from '../src/certificate/types.js';

const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string) => join(dir, name);
const text = (name: string) => readFileSync(fixture(name), 'utf8');
/** What `openssl x509` prints for a file: the normalised form Beluga is sent. */
const opensslX509 = (path: string) => execFileSync('openssl', ['x509', '-in', path], { encoding: 'utf8' });

interface ManifestLeaf {
  cert: string;
  key: string;
  names: string[];
  fingerprint256: string;
  serial: string;
  notAfter: string;
}
const manifest = JSON.parse(text('manifest.json')) as { leaves: Record<string, ManifestLeaf> };

const NOW = new Date('2026-06-01T00:00:00Z');
const read = (certPath: string, keyPath: string, extra: Partial<CertificateFiles> = {}, now = NOW) =>
  readCertificate({ certPath: fixture(certPath), keyPath: fixture(keyPath), ...extra }, now);

t.test('names, serial, fingerprint and notAfter match what openssl recorded in manifest.json', async (t) => {
  for (const name of ['rsa2048', 'rsa4096', 'ec256', 'ec384', 'wildcard', 'multi', 'cn-only']) {
    const leaf = manifest.leaves[name];
    const checked = await read(leaf.cert, leaf.key);
    t.same(checked.names, leaf.names, `${name} names`);
    t.equal(checked.domain, leaf.names[0], `${name}: the domain defaults to the first name`);
    t.equal(checked.fingerprint256, leaf.fingerprint256, `${name} fingerprint`);
    t.equal(checked.serial, leaf.serial, `${name} serial`);
    t.equal(checked.notAfter.toISOString(), leaf.notAfter, `${name} notAfter`);
    t.equal(checked.notBefore.toISOString(), '2025-01-01T00:00:00.000Z', `${name} notBefore`);
    t.equal(checked.certificatePem, opensslX509(fixture(leaf.cert)), `${name} PEM is what openssl x509 prints`);
    t.equal(checked.chainPem, '');
    t.equal(checked.chainCount, 0);
  }
});

t.test('every key format, RSA and EC, with its description and the key block as read', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['rsa2048.crt', 'rsa2048.pkcs1.key', 'RSA 2048'],
    ['rsa2048.crt', 'rsa2048.pkcs8.key', 'RSA 2048'],
    ['rsa4096.crt', 'rsa4096.key', 'RSA 4096'],
    ['ec256.crt', 'ec256.sec1.key', 'EC P-256'],
    ['ec256.crt', 'ec256.pkcs8.key', 'EC P-256'],
    ['ec384.crt', 'ec384.sec1.key', 'EC P-384'],
    ['ec384.crt', 'ec384.pkcs8.key', 'EC P-384'],
  ];
  for (const [cert, key, description] of cases) {
    const checked = await read(cert, key);
    t.equal(checked.keyDescription, description, `${key} is ${description}`);
    t.equal(checked.keyPem, text(key), `${key} is handed on as read`);
  }
  t.match(text('rsa2048.pkcs1.key'), /^-----BEGIN RSA PRIVATE KEY-----\n/, 'the fixture really is PKCS#1');
  t.match(text('ec256.sec1.key'), /^-----BEGIN EC PRIVATE KEY-----\n/, 'the fixture really is SEC1');
  t.match(text('ec256.pkcs8.key'), /^-----BEGIN PRIVATE KEY-----\n/, 'the fixture really is PKCS#8');
});

t.test('a lego bundle: leaf first, intermediates issuer-first as chainPem', async (t) => {
  const checked = await read('rsa2048.bundle.crt', 'rsa2048.pkcs1.key');
  t.equal(checked.certificatePem, text('rsa2048.crt'));
  t.equal(checked.chainPem, text('chain.pem'));
  t.equal(checked.chainCount, 2);
  t.equal(checked.fingerprint256, manifest.leaves.rsa2048.fingerprint256);
});

t.test('a separate chain file, in order, reversed, or with the leaf duplicated', async (t) => {
  for (const chain of ['chain.pem', 'chain-reversed.pem', 'chain-with-leaf.pem']) {
    const checked = await read('ec256.crt', 'ec256.sec1.key', { chainPath: fixture(chain) });
    t.equal(checked.chainPem, text('chain.pem'), `${chain}: int2 then int1`);
    t.equal(checked.chainCount, 2, `${chain}: two intermediates`);
    t.equal(checked.certificatePem, text('ec256.crt'));
  }
});

t.test('a bundle and a chain file together are merged without duplicates', async (t) => {
  const checked = await read('ec256.bundle.crt', 'ec256.pkcs8.key', { chainPath: fixture('chain-reversed.pem') });
  t.equal(checked.chainPem, text('chain.pem'));
  t.equal(checked.chainCount, 2);
});

t.test('a chain that includes the root still links', async (t) => {
  const tmp = t.testdir({ 'full.pem': text('chain.pem') + text('root.crt') });
  const checked = await readCertificate(
    { certPath: fixture('ec256.crt'), keyPath: fixture('ec256.sec1.key'), chainPath: join(tmp, 'full.pem') },
    NOW,
  );
  t.equal(checked.chainCount, 3);
  t.equal(checked.chainPem, text('chain.pem') + text('root.crt'));
});

t.test('a bundle that starts with an intermediate still finds the leaf', async (t) => {
  const tmp = t.testdir({ 'odd.crt': text('chain.pem') + text('ec256.crt') });
  const checked = await readCertificate({ certPath: join(tmp, 'odd.crt'), keyPath: fixture('ec256.sec1.key') }, NOW);
  t.equal(checked.certificatePem, text('ec256.crt'));
  t.equal(checked.chainPem, text('chain.pem'));
});

t.test('CRLF line ends, a BOM and text around the PEM are tolerated and normalised', async (t) => {
  for (const cert of ['ec256.crlf.crt', 'ec256.bom.crt', 'ec256.text.crt']) {
    const checked = await read(cert, 'ec256.sec1.key');
    t.equal(checked.certificatePem, opensslX509(fixture(cert)), `${cert}: as openssl x509 prints it`);
    t.equal(checked.certificatePem, text('ec256.crt'));
    t.equal(checked.fingerprint256, manifest.leaves.ec256.fingerprint256);
  }
  for (const key of ['ec256.crlf.key', 'ec256.bom.key']) {
    const checked = await read('ec256.crt', key);
    t.equal(checked.keyPem, text('ec256.pkcs8.key'), `${key}: LF line ends, no BOM`);
  }
  t.match(text('ec256.text.crt'), /^Certificate:\n/, 'the fixture really has text first');
  t.match(text('ec256.crlf.crt'), /\r\n/, 'the fixture really has CRLF');
});

t.test('a key with text and other blocks around it, and a combined cert+key file', async (t) => {
  const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
  const tmp = t.testdir({
    'noisy.key': `my key, keep safe\n${params}${text('ec256.sec1.key')}trailing words\n`,
    'combined.pem': text('ec256.crt') + text('chain.pem') + text('ec256.pkcs8.key'),
  });
  const noisy = await readCertificate({ certPath: fixture('ec256.crt'), keyPath: join(tmp, 'noisy.key') }, NOW);
  t.equal(noisy.keyPem, text('ec256.sec1.key'), 'only the key block');
  const combined = join(tmp, 'combined.pem');
  const both = await readCertificate({ certPath: combined, keyPath: combined }, NOW);
  t.equal(both.keyPem, text('ec256.pkcs8.key'));
  t.equal(both.certificatePem, text('ec256.crt'));
  t.equal(both.chainCount, 2);
});

t.test('the domain: given, case-insensitive, through a wildcard; else the first name', async (t) => {
  t.equal((await read('ec256.crt', 'ec256.sec1.key', { domain: 'WWW.Example.COM' })).domain, 'www.example.com');
  t.equal((await read('wildcard.crt', 'wildcard.key', { domain: 'a.example.com' })).domain, 'a.example.com');
  t.equal((await read('wildcard.crt', 'wildcard.key', { domain: 'example.com' })).domain, 'example.com');
  t.equal((await read('wildcard.crt', 'wildcard.key')).domain, '*.example.com');
  t.equal((await read('multi.crt', 'multi.key', { domain: 'example.org' })).domain, 'example.org');
  t.equal((await read('multi.crt', 'multi.key', { domain: '' })).domain, 'shop.example.org', 'empty means absent');
  const cnOnly = await read('cn-only.crt', 'cn-only.key', { domain: 'legacy.example.com' });
  t.equal(cnOnly.commonName, 'legacy.example.com');
  t.same(cnOnly.names, ['legacy.example.com']);
});

t.test('validity is judged at the given time, not the wall clock', async (t) => {
  const expired = await read('expired.crt', 'expired.key', {}, new Date('2020-06-01T00:00:00Z'));
  t.equal(expired.notAfter.toISOString(), '2021-01-01T00:00:00.000Z');
  const notYet = await read('notyet.crt', 'notyet.key', {}, new Date('2100-06-01T00:00:00Z'));
  t.equal(notYet.notBefore.toISOString(), '2100-01-01T00:00:00.000Z');
});
