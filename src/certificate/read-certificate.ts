import type { X509Certificate } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { HookError } from '../errors.js';
import { orderChain } from './chain.js';
import { describeKey, readPrivateKey } from './key.js';
import { certificateNames, commonName, nameCovers, normalise } from './names.js';
import { parseCertificates, type SourcedCertificate } from './parse-certificates.js';
import { derToPem } from './pem.js';
import { readInputFile } from './read-file.js';
import type { CertificateFiles, CheckedCertificate } from './types.js';
import { checkValidity, validityOf } from './validity.js';

/**
 * Reads the certificate (a lone leaf or a leaf + intermediates bundle), its private key and an
 * optional chain file, and checks everything that must hold before anything leaves the machine:
 * the key type, the key belongs to the leaf, the leaf is valid at `now`, the chain links to the
 * leaf, and the domain is among the leaf's names. Throws a HookError naming the file otherwise.
 */
export async function readCertificate(files: CertificateFiles, now: Date): Promise<CheckedCertificate> {
  return checkCertificate(await readCertificateFiles(files), files, now);
}

/** The bytes of a certificate's files, as read once (a caller that hashes them checks those same bytes). */
export interface CertificateData {
  cert: Buffer;
  key: Buffer;
  chain?: Buffer;
}

/** Reads the files (FILE_UNREADABLE when one cannot be read or is empty), checking nothing else. */
export async function readCertificateFiles(files: CertificateFiles): Promise<CertificateData> {
  const cert = await readInputFile(files.certPath, 'certificate');
  const key = await readInputFile(files.keyPath, 'key');
  const chain = files.chainPath === undefined ? undefined : await readInputFile(files.chainPath, 'chain');
  return chain === undefined ? { cert, key } : { cert, key, chain };
}

/** readCertificate's checks on bytes already read; `files` names them in messages. */
export function checkCertificate(data: CertificateData, files: CertificateFiles, now: Date): CheckedCertificate {
  const { certPath, keyPath, chainPath } = files;
  const { cert: certData, key: keyData, chain: chainData } = data;
  const [leafEntry, ...bundled] = pickLeaf(parseCertificates(certData, certPath, 'certificate'), certPath);
  const fromChain =
    chainData === undefined || chainPath === undefined ? [] : parseCertificates(chainData, chainPath, 'chain');
  const leaf = leafEntry.cert;

  const key = readPrivateKey(keyData, keyPath);
  if (!leaf.checkPrivateKey(key.key)) {
    throw new HookError(
      'KEY_MISMATCH',
      `key file ${keyPath} (${key.description}) does not belong to certificate ${certPath} (${describeKey(leaf.publicKey)}, ` +
        `"${commonName(leaf) ?? 'no CN'}"); pass the key written together with this certificate`,
    );
  }

  const validity = validityOf(leaf);
  checkValidity(validity, now, certPath);

  const chain = orderChain(leaf, certPath, [...bundled, ...fromChain]);

  const names = certificateNames(leaf);
  const domain = checkDomain(names, files.domain, certPath);

  return {
    domain,
    names,
    commonName: commonName(leaf),
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    serial: leaf.serialNumber.toUpperCase(),
    fingerprint256: leaf.fingerprint256,
    keyDescription: key.description,
    certificatePem: toPem(leaf),
    chainPem: chain.map(toPem).join(''),
    chainCount: chain.length,
    keyPem: key.pem,
  };
}

/**
 * The leaf is the first non-CA certificate (a bundle may, wrongly, start with an intermediate);
 * it comes first in the result, the rest keep their order.
 */
function pickLeaf(certs: SourcedCertificate[], certPath: string): SourcedCertificate[] {
  const index = certs.findIndex((entry) => !entry.cert.ca);
  if (index < 0) {
    // A chain file given for the certificate: a CA certificate must never be uploaded as the leaf.
    throw new HookError(
      'NOT_PEM',
      `certificate file ${certPath} holds only CA certificates (${certs.length}), no server certificate; pass the certificate issued for your domain (cert.pem, not chain.pem)`,
    );
  }
  return [certs[index], ...certs.filter((_, i) => i !== index)];
}

/** The primary domain (given, or the first name) after checking the leaf covers it. */
function checkDomain(names: string[], given: string | undefined, certPath: string): string {
  if (names.length === 0) {
    throw new HookError(
      'DOMAIN_NOT_IN_CERT',
      `certificate ${certPath} has no DNS names (no subjectAltName, no CN); it cannot serve a site`,
    );
  }
  // Certificates hold IDNs in their ASCII (punycode) form: bücher.example is xn--bcher-kva.example.
  const domain = normalise(given?.trim() ? toAscii(given.trim()) : names[0]);
  if (!names.some((name) => nameCovers(name, domain))) {
    throw new HookError(
      'DOMAIN_NOT_IN_CERT',
      `certificate ${certPath} does not cover ${domain}; its names are: ${names.join(', ')}; pass --domain with one of them, or the certificate issued for ${domain}`,
    );
  }
  return domain;
}

/** A Unicode domain in its punycode form; anything else exactly as given (so messages show it). */
function toAscii(domain: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(domain)) return domain;
  return domainToASCII(domain) || domain;
}

function toPem(cert: X509Certificate): string {
  return derToPem('CERTIFICATE', cert.raw);
}
