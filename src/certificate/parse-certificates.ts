import { X509Certificate } from 'node:crypto';
import { HookError } from '../errors.js';
import { looksLikeDer, pemBlocks, toText } from './pem.js';
import type { FileRole } from './read-file.js';

/** A certificate and the file it came from, so that refusals can name the file. */
export interface SourcedCertificate {
  cert: X509Certificate;
  path: string;
}

/**
 * Every CERTIFICATE block of a certificate or chain file, in file order. Other blocks (a key in a
 * combined .pem) are ignored; a file with no CERTIFICATE block at all is refused with NOT_PEM.
 */
export function parseCertificates(data: Buffer, path: string, role: FileRole): SourcedCertificate[] {
  const blocks = pemBlocks(toText(data));
  const certBlocks = blocks.filter((block) => block.label === 'CERTIFICATE');
  if (certBlocks.length === 0)
    throw noCertificate(
      data,
      path,
      role,
      blocks.map((block) => block.label),
    );
  return certBlocks.map((block, index) => {
    try {
      return { cert: new X509Certificate(Buffer.from(block.base64, 'base64')), path };
    } catch (err) {
      throw new HookError(
        'NOT_PEM',
        `${role} file ${path}: CERTIFICATE block ${index + 1} does not parse (damaged or truncated); pass the file the ACME client wrote`,
        { cause: err },
      );
    }
  });
}

function noCertificate(data: Buffer, path: string, role: FileRole, labels: string[]): HookError {
  if (looksLikeDer(data)) {
    return new HookError(
      'NOT_PEM',
      `${role} file ${path} looks like DER (binary ASN.1); convert with: openssl x509 -inform der -in ${path} -out ${path}.pem`,
    );
  }
  if (labels.includes('PKCS7')) {
    return new HookError(
      'NOT_PEM',
      `${role} file ${path} holds a PKCS7 bundle, not CERTIFICATE blocks; convert with: openssl pkcs7 -print_certs -in ${path} -out ${path}.pem`,
    );
  }
  const found = labels.length > 0 ? `only ${[...new Set(labels)].join(', ')} blocks` : 'no PEM block';
  return new HookError(
    'NOT_PEM',
    `${role} file ${path} holds ${found}, no certificate; pass the PEM certificate file (-----BEGIN CERTIFICATE-----)`,
  );
}
