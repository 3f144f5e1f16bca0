/**
 * A root -> intermediate -> leaf hierarchy made at test time, with the names a test needs (a Let's
 * Encrypt staging look-alike, an expired intermediate). node:crypto makes the keys and signs;
 * node-forge builds the certificates (as test/helpers/make-certs.ts does).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

export interface Chain {
  rootPem: string;
  intermediatePem: string;
  leafPem: string;
  /** The leaf's private key (PKCS#1 PEM). */
  keyPem: string;
}

export interface ChainOptions {
  rootName: string;
  intermediateName: string;
  names: string[];
  /** When the intermediate stops being valid; default ten years from now. */
  intermediateNotAfter?: Date;
}

interface Party {
  key: KeyObject;
  publicKey: forge.pki.PublicKey;
  keyPem: string;
}

function party(): Party {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem);
  return { key: privateKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

let serial = 1;

function certificate(
  subject: string,
  subjectParty: Party,
  issuer: string,
  issuerParty: Party,
  ca: boolean,
  names: string[],
  notAfter: Date,
): string {
  const c = forge.pki.createCertificate();
  c.publicKey = subjectParty.publicKey;
  c.serialNumber = (serial++).toString(16).padStart(2, '0');
  c.validity.notBefore = new Date(Date.now() - 86_400_000);
  c.validity.notAfter = notAfter;
  c.setSubject([
    { name: 'organizationName', value: 'Chain Test' },
    { name: 'commonName', value: subject },
  ]);
  c.setIssuer([
    { name: 'organizationName', value: 'Chain Test' },
    { name: 'commonName', value: issuer },
  ]);
  c.setExtensions(
    ca
      ? [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        ]
      : [
          { name: 'basicConstraints', cA: false },
          { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
        ],
  );
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  c.signatureOid = oid;
  c.siginfo.algorithmOid = oid;
  // getTBSCertificate is public in node-forge, missing from its type definitions.
  const tbs = (
    forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(c);
  c.signature = sign('sha256', Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary'), issuerParty.key).toString(
    'binary',
  );
  return forge.pki.certificateToPem(c);
}

export function makeChain(options: ChainOptions): Chain {
  const later = new Date(Date.now() + 3650 * 86_400_000);
  const root = party();
  const intermediate = party();
  const leaf = party();
  return {
    rootPem: certificate(options.rootName, root, options.rootName, root, true, [], later),
    intermediatePem: certificate(
      options.intermediateName,
      intermediate,
      options.rootName,
      root,
      true,
      [],
      options.intermediateNotAfter ?? later,
    ),
    leafPem: certificate(
      options.names[0]!,
      leaf,
      options.intermediateName,
      intermediate,
      false,
      options.names,
      new Date(Date.now() + 90 * 86_400_000),
    ),
    keyPem: leaf.keyPem,
  };
}
