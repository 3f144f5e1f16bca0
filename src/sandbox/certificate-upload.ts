/**
 * What the sandbox checks in an uploaded certificate, key and chain, and the names it derives:
 * stricter than any real server is known to be, so that client mistakes show up in tests.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';

export interface UploadProblem {
  error: string;
  message: string;
}

export interface DerivedNames {
  names: string[];
  commonName: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;

/** The PEM certificate blocks of `text`, or undefined when anything but white space surrounds them. */
export function splitCertificates(text: string): string[] | undefined {
  const blocks = text.match(PEM_CERT) ?? [];
  const leftover = text.replace(PEM_CERT, '');
  return blocks.length > 0 && leftover.trim() === '' ? blocks : undefined;
}

/** SAN DNS names in order, else the subject CN; the CN, else the first name. */
export function deriveNames(cert: X509Certificate): DerivedNames {
  const cn = subjectCommonName(cert.subject);
  const san = sanDnsNames(cert.subjectAltName ?? '');
  const names = san.length > 0 ? san : cn !== undefined ? [cn] : [];
  return { names, commonName: cn ?? names[0] ?? '' };
}

/** Checks a certificate/key/chain upload; returns the problem, or the names on success. */
export function checkUpload(certificate: string, key: string, chain?: string): UploadProblem | DerivedNames {
  const leaf = splitCertificates(certificate);
  if (!leaf || leaf.length !== 1) {
    return problem(
      'invalid_certificate',
      'certificate must be exactly one PEM certificate (intermediates go in chain)',
    );
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(leaf[0] as string);
  } catch {
    return problem('invalid_certificate', 'certificate could not be parsed');
  }
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(key));
  } catch {
    return problem('invalid_key', 'key could not be parsed as an unencrypted private key');
  }
  if (!matches) return problem('key_mismatch', 'key does not match the certificate');
  if (chain !== undefined && chain.trim() !== '') {
    const blocks = splitCertificates(chain);
    if (!blocks || !blocks.every(parses)) {
      return problem('invalid_chain', 'chain must hold only PEM certificates');
    }
  }
  return deriveNames(cert);
}

export function isProblem(value: UploadProblem | DerivedNames): value is UploadProblem {
  return 'error' in value;
}

function problem(error: string, message: string): UploadProblem {
  return { error, message };
}

function parses(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

function subjectCommonName(subject: string): string | undefined {
  const line = subject.split('\n').find((l) => l.startsWith('CN='));
  return line?.slice(3);
}

/** node prints SANs as `DNS:a, DNS:b, IP Address:...`, quoting (JSON-style) awkward values. */
function sanDnsNames(san: string): string[] {
  const names: string[] = [];
  const entry = /(?:^|, )DNS:("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const m of san.matchAll(entry)) {
    const raw = m[1] as string;
    names.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return names;
}
