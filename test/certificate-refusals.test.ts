import t from 'tap';
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HookError, type ErrorCode } from '../src/errors.js';
import { readCertificate } from '../src/certificate/read-certificate.js';
import { describeReadError } from '../src/certificate/read-file.js';
import type { CertificateFiles } from '../src/certificate/types.js';

const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string) => join(dir, name);
const text = (name: string) => readFileSync(fixture(name), 'utf8');
const NOW = new Date('2026-06-01T00:00:00Z');

/** The assertions `refuses` uses, as any subtest has them. */
type Asserts = Pick<typeof t, 'equal' | 'ok' | 'match' | 'notMatch' | 'fail'>;

/** Every refusal message seen, so the last test can check none leaks key material. */
const seen: HookError[] = [];

/** Expects readCertificate to refuse with `code`, a one-line message naming `names`, matching `pattern`. */
async function refuses(
  t: Asserts,
  files: CertificateFiles,
  code: ErrorCode,
  names: string,
  pattern: RegExp,
  now = NOW,
): Promise<void> {
  const err = await readCertificate(files, now).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof HookError)) {
    t.fail(`expected HookError ${code}, got ${String(err)}`);
    return;
  }
  seen.push(err);
  t.equal(err.code, code, `${code}: ${err.message}`);
  t.ok(err.message.includes(names), `the message names ${names}`);
  t.match(err.message, pattern);
  t.notMatch(err.message, /\n/, 'one line');
}

const f = (cert: string, key: string, extra: Partial<CertificateFiles> = {}): CertificateFiles => ({
  certPath: fixture(cert),
  keyPath: fixture(key),
  ...extra,
});

t.test('FILE_UNREADABLE: missing, a directory, empty; says which', async (t) => {
  await refuses(
    t,
    f('missing.crt', 'ec256.sec1.key'),
    'FILE_UNREADABLE',
    fixture('missing.crt'),
    /certificate file .*does not exist/,
  );
  await refuses(
    t,
    f('ec256.crt', 'missing.key'),
    'FILE_UNREADABLE',
    fixture('missing.key'),
    /key file .*does not exist/,
  );
  await refuses(t, { ...f('ec256.crt', 'ec256.sec1.key'), certPath: dir }, 'FILE_UNREADABLE', dir, /is a directory/);
  await refuses(t, f('empty.crt', 'ec256.sec1.key'), 'FILE_UNREADABLE', fixture('empty.crt'), /is empty/);
  await refuses(
    t,
    f('ec256.crt', 'ec256.sec1.key', { chainPath: fixture('empty.crt') }),
    'FILE_UNREADABLE',
    fixture('empty.crt'),
    /chain file .*is empty/,
  );
  const tmp = t.testdir({ 'blank.key': '\n  \r\n' });
  await refuses(
    t,
    { ...f('ec256.crt', 'x'), keyPath: join(tmp, 'blank.key') },
    'FILE_UNREADABLE',
    'blank.key',
    /key file .*is empty/,
  );
  await refuses(
    t,
    { ...f('ec256.crt', 'x'), keyPath: '/dev/null' },
    'FILE_UNREADABLE',
    '/dev/null',
    /not a regular file/,
  );
});

t.test('FILE_UNREADABLE: permission denied', async (t) => {
  const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  t.equal(
    describeReadError(denied, '/etc/ssl/site.key', 'key'),
    "cannot read key file /etc/ssl/site.key: permission denied; run the hook as a user that may read it (e.g. the ACME client's user) or fix its mode",
  );
  t.match(
    describeReadError(Object.assign(new Error('x'), { code: 'EIO' }), '/p', 'chain'),
    /^cannot read chain file \/p: EIO;/,
  );
  t.match(describeReadError(new Error('x'), '/p', 'chain'), /unknown error/);
  // root reads any file whatever its mode, so the real case can only run as another user.
  if (process.getuid?.() === 0) return;
  const tmp = t.testdir({ 'locked.key': text('ec256.sec1.key') });
  chmodSync(join(tmp, 'locked.key'), 0o000);
  await refuses(
    t,
    { ...f('ec256.crt', 'x'), keyPath: join(tmp, 'locked.key') },
    'FILE_UNREADABLE',
    'locked.key',
    /permission denied/,
  );
});

t.test('NOT_PEM: DER files get the conversion command', async (t) => {
  const der = fixture('ec256.der');
  await refuses(
    t,
    f('ec256.der', 'ec256.sec1.key'),
    'NOT_PEM',
    der,
    /looks like DER \(binary ASN\.1\); convert with: openssl x509 -inform der -in \S+ec256\.der -out \S+ec256\.der\.pem/,
  );
  await refuses(
    t,
    f('ec256.crt', 'ec256.key.der'),
    'NOT_PEM',
    fixture('ec256.key.der'),
    /looks like DER .*openssl pkey -inform der -in/,
  );
  await refuses(t, f('ec256.crt', 'ec256.sec1.key', { chainPath: der }), 'NOT_PEM', der, /chain file .*looks like DER/);
});

t.test('NOT_PEM: no PEM block, the wrong kind of block, two keys, a damaged block', async (t) => {
  await refuses(t, f('garbage.crt', 'ec256.sec1.key'), 'NOT_PEM', fixture('garbage.crt'), /holds no PEM block/);
  await refuses(
    t,
    f('ec256.pkcs8.key', 'ec256.sec1.key'),
    'NOT_PEM',
    fixture('ec256.pkcs8.key'),
    /certificate file .*only PRIVATE KEY blocks, no certificate/,
  );
  await refuses(
    t,
    f('ec256.crt', 'ec256.crt'),
    'NOT_PEM',
    fixture('ec256.crt'),
    /key file .*only CERTIFICATE blocks, no private key/,
  );
  await refuses(t, f('ec256.crt', 'two-keys.key'), 'NOT_PEM', fixture('two-keys.key'), /holds 2 private keys/);
  const body = text('ec256.crt').split('\n').slice(1, -2).join('\n');
  const tmp = t.testdir({
    'cut.crt': `-----BEGIN CERTIFICATE-----\n${body.slice(0, 200)}\n-----END CERTIFICATE-----\n`,
    'cut.key': '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n',
    'bundle.p7': '-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n',
  });
  await refuses(
    t,
    { ...f('x', 'ec256.sec1.key'), certPath: join(tmp, 'cut.crt') },
    'NOT_PEM',
    'cut.crt',
    /CERTIFICATE block 1 does not parse/,
  );
  await refuses(
    t,
    { ...f('ec256.crt', 'x'), keyPath: join(tmp, 'cut.key') },
    'NOT_PEM',
    'cut.key',
    /PRIVATE KEY block that does not parse/,
  );
  await refuses(
    t,
    { ...f('x', 'ec256.sec1.key'), certPath: join(tmp, 'bundle.p7') },
    'NOT_PEM',
    'bundle.p7',
    /openssl pkcs7 -print_certs/,
  );
});

t.test('KEY_ENCRYPTED: PKCS#8 and traditional, with how to decrypt', async (t) => {
  const p8 = fixture('encrypted-pkcs8.key');
  await refuses(
    t,
    f('ec256.crt', 'encrypted-pkcs8.key'),
    'KEY_ENCRYPTED',
    p8,
    new RegExp(`encrypted .*openssl pkey -in ${p8} -out ${p8}\\.plain`),
  );
  await refuses(
    t,
    f('rsa2048.crt', 'encrypted-traditional.key'),
    'KEY_ENCRYPTED',
    fixture('encrypted-traditional.key'),
    /encrypted with a passphrase/,
  );
  t.match(
    text('encrypted-traditional.key'),
    /Proc-Type: 4,ENCRYPTED/,
    'the fixture really is a traditional encrypted key',
  );
});

t.test('KEY_UNSUPPORTED: Ed25519, RSA 1024, other PEM key kinds', async (t) => {
  await refuses(
    t,
    f('ed25519.crt', 'ed25519.key'),
    'KEY_UNSUPPORTED',
    fixture('ed25519.key'),
    /\(Ed25519\).*RSA 2048-4096 or EC P-256\/P-384/,
  );
  await refuses(t, f('rsa1024.crt', 'rsa1024.key'), 'KEY_UNSUPPORTED', fixture('rsa1024.key'), /\(RSA 1024\)/);
  const tmp = t.testdir({
    'id.key': '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n',
  });
  await refuses(
    t,
    { ...f('ec256.crt', 'x'), keyPath: join(tmp, 'id.key') },
    'KEY_UNSUPPORTED',
    'id.key',
    /\(OPENSSH PRIVATE KEY\)/,
  );
});

t.test('KEY_MISMATCH: another key of the same type, or of another type', async (t) => {
  await refuses(
    t,
    f('ec256.crt', 'other.key'),
    'KEY_MISMATCH',
    fixture('other.key'),
    /does not belong to certificate \S+ec256\.crt/,
  );
  await refuses(
    t,
    f('ec256.crt', 'rsa2048.pkcs1.key'),
    'KEY_MISMATCH',
    fixture('ec256.crt'),
    /\(RSA 2048\) does not belong .*\(EC P-256/,
  );
});

t.test('CERT_EXPIRED and CERT_NOT_YET_VALID say when', async (t) => {
  await refuses(
    t,
    f('expired.crt', 'expired.key'),
    'CERT_EXPIRED',
    fixture('expired.crt'),
    /expired on 2021-01-01T00:00:00Z/,
  );
  await refuses(
    t,
    f('notyet.crt', 'notyet.key'),
    'CERT_NOT_YET_VALID',
    fixture('notyet.crt'),
    /not valid until 2100-01-01T00:00:00Z/,
  );
  await refuses(
    t,
    f('ec256.crt', 'ec256.sec1.key'),
    'CERT_NOT_YET_VALID',
    fixture('ec256.crt'),
    /2025-01-01/,
    new Date('2024-12-31T23:59:59Z'),
  );
  await refuses(
    t,
    f('ec256.crt', 'ec256.sec1.key'),
    'CERT_EXPIRED',
    fixture('ec256.crt'),
    /2125-01-01/,
    new Date('2125-01-01T00:00:01Z'),
  );
});

t.test('DOMAIN_NOT_IN_CERT lists the names the certificate has', async (t) => {
  await refuses(
    t,
    f('wildcard.crt', 'wildcard.key', { domain: 'a.b.example.com' }),
    'DOMAIN_NOT_IN_CERT',
    fixture('wildcard.crt'),
    /does not cover a\.b\.example\.com; its names are: \*\.example\.com, example\.com/,
  );
  await refuses(
    t,
    f('ec256.crt', 'ec256.sec1.key', { domain: 'example.net' }),
    'DOMAIN_NOT_IN_CERT',
    fixture('ec256.crt'),
    /its names are: example\.com, www\.example\.com/,
  );
  await refuses(
    t,
    f('multi.crt', 'multi.key', { domain: 'example.com' }),
    'DOMAIN_NOT_IN_CERT',
    'shop.example.org, example.org',
    /does not cover example\.com/,
  );
});

t.test('CHAIN_INVALID names the subject of the certificate that does not link', async (t) => {
  const unrelated = fixture('unrelated.crt');
  await refuses(
    t,
    f('ec256.crt', 'ec256.sec1.key', { chainPath: unrelated }),
    'CHAIN_INVALID',
    unrelated,
    /"O=Elsewhere Test, CN=Unrelated Test CA"/,
  );
  const [int2, int1] = text('chain.pem').split(/(?<=-----END CERTIFICATE-----\n)/);
  const tmp = t.testdir({
    'bundle.crt': text('ec256.crt') + int2 + int1 + text('unrelated.crt'),
    'gap.pem': int1,
    'other-leaf.pem': int2 + text('rsa2048.crt'),
  });
  await refuses(
    t,
    { ...f('x', 'ec256.sec1.key'), certPath: join(tmp, 'bundle.crt') },
    'CHAIN_INVALID',
    'bundle.crt',
    /Unrelated Test CA/,
  );
  await refuses(
    t,
    f('ec256.crt', 'ec256.sec1.key', { chainPath: join(tmp, 'gap.pem') }),
    'CHAIN_INVALID',
    'gap.pem',
    /"O=Beluga Test, CN=Beluga Test Intermediate 1".*issued by "O=Beluga Test, CN=Beluga Test Intermediate 2"/,
  );
  await refuses(
    t,
    f('ec256.crt', 'ec256.sec1.key', { chainPath: join(tmp, 'other-leaf.pem') }),
    'CHAIN_INVALID',
    'other-leaf.pem',
    /CN=example\.com/,
  );
});

t.test('no refusal message or cause carries any part of a private key', async (t) => {
  t.ok(seen.length >= 30, `checked ${seen.length} refusals`);
  const windows = new Set<string>();
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.key'))) {
    const base64 = text(name).replace(/-----[^-]+-----|Proc-Type:.*|DEK-Info:.*|\s+/g, '');
    for (let i = 0; i + 16 <= base64.length; i += 1) windows.add(base64.slice(i, i + 16));
  }
  t.ok(windows.size > 1000, 'key material was collected');
  for (const err of seen) {
    const said = `${err.message} ${String((err.cause as Error | undefined)?.message ?? '')}`;
    const leaked = [...Array(Math.max(0, said.length - 15)).keys()].some((i) => windows.has(said.slice(i, i + 16)));
    t.equal(leaked, false, `${err.code} says nothing of a key`);
  }
});
