import { createPrivateKey, type KeyObject } from 'node:crypto';
import { HookError } from '../errors.js';
import { looksLikeDer, pemBlocks, toText } from './pem.js';

export interface PrivateKey {
  key: KeyObject;
  /** The key block as read: LF line ends, no text around it. */
  pem: string;
  /** e.g. "EC P-256", "RSA 2048". */
  description: string;
}

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const PARSEABLE = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);

/**
 * Finds the one private key block in a key file (PKCS#1, SEC1 or PKCS#8), refuses encrypted keys
 * and key types Beluga does not take. No message carries any part of the key.
 */
export function readPrivateKey(data: Buffer, path: string): PrivateKey {
  const blocks = pemBlocks(toText(data));
  const keys = blocks.filter((block) => block.label.endsWith('PRIVATE KEY'));
  if (keys.length === 0)
    throw noKey(
      data,
      path,
      blocks.map((block) => block.label),
    );
  if (keys.length > 1) {
    throw new HookError(
      'NOT_PEM',
      `key file ${path} holds ${keys.length} private keys; keep only the one that belongs to the certificate`,
    );
  }
  const [block] = keys;
  if (block.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/i.test(block.headers['Proc-Type'] ?? '')) {
    throw new HookError(
      'KEY_ENCRYPTED',
      `key file ${path} is encrypted with a passphrase; the hook needs the plain key: decrypt it with: openssl pkey -in ${path} -out ${path}.plain (then chmod 600 it and pass that file)`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.text, format: 'pem' });
  } catch (err) {
    // A label we know that fails to parse is damaged; any other (DSA, OPENSSH...) is the wrong kind.
    throw PARSEABLE.has(block.label)
      ? new HookError(
          'NOT_PEM',
          `key file ${path} holds a ${block.label} block that does not parse (damaged or truncated); pass the key the ACME client wrote`,
          { cause: err },
        )
      : new HookError(
          'KEY_UNSUPPORTED',
          `key file ${path} holds an unsupported key (${block.label}); ${SUPPORTED_TEXT}`,
          { cause: err },
        );
  }
  const description = describeKey(key);
  if (!isSupported(key)) {
    throw new HookError(
      'KEY_UNSUPPORTED',
      `key file ${path} holds an unsupported key (${description}); ${SUPPORTED_TEXT}`,
    );
  }
  return { key, pem: block.text, description };
}

/** RSA 2048-4096 bits or EC P-256/P-384: what Beluga accepts. */
function isSupported(key: KeyObject): boolean {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    return bits >= 2048 && bits <= 4096;
  }
  return key.asymmetricKeyType === 'ec' && (details.namedCurve === 'prime256v1' || details.namedCurve === 'secp384r1');
}

const SUPPORTED_TEXT = 'Beluga takes RSA 2048-4096 or EC P-256/P-384 keys: issue the certificate with one of those';

/** A key (private or public) as people name it: "RSA 2048", "EC P-256", "Ed25519". */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `RSA ${details.modulusLength ?? '?'}`;
    case 'rsa-pss':
      return `RSA-PSS ${details.modulusLength ?? '?'}`;
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown curve';
      return `EC ${CURVES[curve] ?? curve}`;
    }
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
    default:
      return (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  }
}

function noKey(data: Buffer, path: string, labels: string[]): HookError {
  if (looksLikeDer(data)) {
    return new HookError(
      'NOT_PEM',
      `key file ${path} looks like DER (binary ASN.1); convert with: openssl pkey -inform der -in ${path} -out ${path}.pem`,
    );
  }
  const found = labels.length > 0 ? `only ${[...new Set(labels)].join(', ')} blocks` : 'no PEM block';
  return new HookError(
    'NOT_PEM',
    `key file ${path} holds ${found}, no private key; pass the private key file (-----BEGIN PRIVATE KEY-----)`,
  );
}
