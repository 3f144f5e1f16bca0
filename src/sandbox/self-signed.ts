/**
 * A throwaway self-signed certificate, made at start and never written anywhere by the sandbox
 * itself: for the records `beluga-cert sandbox --seed` starts with (their names), and for a
 * loopback TLS server in tests ("localhost", 127.0.0.1 and ::1, trusted by its PEM).
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import forge from 'node-forge';

export interface SelfSigned {
  certPem: string;
  keyPem: string;
}

export interface SelfSignedOptions {
  /** DNS names, the first also the subject CN (default: localhost, plus the loopback addresses). */
  names?: string[];
  now?: Date;
  /** Default 7: a sandbox lives for hours; a week leaves room for clock skew. */
  validDays?: number;
}

const DAY_MS = 86_400_000;

export function makeSelfSigned(options: SelfSignedOptions = {}): SelfSigned {
  const { now = new Date(), validDays = 7 } = options;
  const names = options.names ?? ['localhost'];
  // node:crypto makes the key and signs (forge's own RSA is ~10x slower); forge builds the certificate.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const { n, e } = publicKey.export({ format: 'jwk' });
  const big = (b64url = '') => new forge.jsbn.BigInteger(Buffer.from(b64url, 'base64url').toString('hex'), 16);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(big(n), big(e));
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(8))}`;
  cert.validity.notBefore = new Date(now.getTime() - 3_600_000);
  cert.validity.notAfter = new Date(now.getTime() + validDays * DAY_MS);
  const subject = [
    { name: 'commonName', value: names[0] },
    { name: 'organizationName', value: 'beluga-cert sandbox' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    // Its own CA: a client given this PEM as its trust anchor accepts it as the server certificate.
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...names.map((value) => ({ type: 2, value })),
        ...(options.names
          ? []
          : [
              { type: 7, ip: '127.0.0.1' },
              { type: 7, ip: '::1' },
            ]),
      ],
    },
  ]);
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  // What forge's cert.sign() does, with the signature made natively (getTBSCertificate is untyped).
  const tbs = (
    forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(cert);
  cert.signature = sign('sha256', Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary'), privateKey).toString(
    'binary',
  );
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
