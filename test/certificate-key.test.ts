import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { describeKey, readPrivateKey } from '../src/certificate/key.js';
import { HookError } from '../src/errors.js';

const pkcs8 = (pair: { privateKey: { export(o: object): string | Buffer } }) =>
  Buffer.from(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));

t.test('describeKey names every key type people meet', async (t) => {
  t.equal(describeKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), 'EC P-256');
  t.equal(describeKey(generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey), 'EC P-521');
  t.equal(describeKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey), 'EC secp256k1');
  t.equal(describeKey(generateKeyPairSync('ed448').privateKey), 'Ed448');
  t.equal(describeKey(generateKeyPairSync('x25519').privateKey), 'X25519');
  t.equal(describeKey(generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey), 'RSA-PSS 1024');
});

t.test('readPrivateKey accepts RSA between 2048 and 4096 bits, EC P-256 and P-384 only', async (t) => {
  const rsa3072 = readPrivateKey(pkcs8(generateKeyPairSync('rsa', { modulusLength: 3072 })), 'k');
  t.equal(rsa3072.description, 'RSA 3072');
  for (const [label, pair] of [
    ['EC P-521', generateKeyPairSync('ec', { namedCurve: 'P-521' })],
    ['EC secp256k1', generateKeyPairSync('ec', { namedCurve: 'secp256k1' })],
    ['RSA-PSS 2048', generateKeyPairSync('rsa-pss', { modulusLength: 2048 })],
  ] as const) {
    t.throws(
      () => readPrivateKey(pkcs8(pair), '/keys/site.key'),
      new HookError(
        'KEY_UNSUPPORTED',
        `key file /keys/site.key holds an unsupported key (${label}); Beluga takes RSA 2048-4096 or EC P-256/P-384 keys: issue the certificate with one of those`,
      ),
      label,
    );
  }
});
