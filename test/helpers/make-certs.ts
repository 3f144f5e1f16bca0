/**
 * Many distinct certificates, fast: node-forge builds each certificate and node:crypto signs it
 * (forge's own RSA signing costs ~40 ms a certificate; the native one well under 1 ms). All share
 * one RSA key, as `--reuse-key` renewals do. For tests that need thousands of domains.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

export interface CertMaker {
  keyPem: string;
  /** A self-signed leaf for `names` (the first is the CN), valid from `notBefore` for ten years. */
  cert(names: string[], notBefore?: Date, serial?: number): string;
}

export function certMaker(): CertMaker {
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

function build(
  publicKey: forge.pki.PublicKey,
  privateKey: KeyObject,
  names: string[],
  notBefore: Date,
  serial: number,
): string {
  const c = forge.pki.createCertificate();
  c.publicKey = publicKey;
  c.serialNumber = serial.toString(16).padStart(2, '0');
  c.validity.notBefore = notBefore;
  c.validity.notAfter = new Date(notBefore.getTime() + 3650 * 86_400_000);
  c.setSubject([{ name: 'commonName', value: names[0]! }]);
  c.setIssuer([{ name: 'commonName', value: 'beluga-cert-hook test maker' }]);
  c.setExtensions([{ name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) }]);
  // What forge's cert.sign() does, with the signature made natively.
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  c.signatureOid = oid;
  c.siginfo.algorithmOid = oid;
  // getTBSCertificate is public in node-forge, missing from its type definitions.
  const tbs = (
    forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(c);
  const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  c.signature = sign('sha256', der, privateKey).toString('binary');
  return forge.pki.certificateToPem(c);
}
