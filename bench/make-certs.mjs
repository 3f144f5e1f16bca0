/**
 * Many distinct certificates, fast (the idea of test/helpers/make-certs.ts): node-forge builds
 * each one, node:crypto signs it natively; all share one RSA key, as `--reuse-key` renewals do.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import forge from 'node-forge';

export function certMaker() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem);
  const publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  return {
    keyPem,
    cert: (names, notBefore = new Date(Date.UTC(2025, 0, 1)), serial = 1) =>
      build(publicKey, privateKey, names, notBefore, serial),
  };
}

function build(publicKey, privateKey, names, notBefore, serial) {
  const c = forge.pki.createCertificate();
  c.publicKey = publicKey;
  c.serialNumber = serial.toString(16).padStart(2, '0');
  c.validity.notBefore = notBefore;
  c.validity.notAfter = new Date(notBefore.getTime() + 3650 * 86_400_000);
  c.setSubject([{ name: 'commonName', value: names[0] }]);
  c.setIssuer([{ name: 'commonName', value: 'beluga-cert-hook bench maker' }]);
  c.setExtensions([{ name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) }]);
  const oid = forge.pki.oids.sha256WithRSAEncryption;
  c.signatureOid = oid;
  c.siginfo.algorithmOid = oid;
  const der = Buffer.from(forge.asn1.toDer(forge.pki.getTBSCertificate(c)).getBytes(), 'binary');
  c.signature = sign('sha256', der, privateKey).toString('binary');
  return forge.pki.certificateToPem(c);
}
