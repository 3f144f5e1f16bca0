import type { X509Certificate } from 'node:crypto';
import { HookError } from '../errors.js';
import { formatName } from './names.js';
import type { SourcedCertificate } from './parse-certificates.js';

/**
 * Orders intermediates from the leaf upwards: each one must have issued the previous (names and
 * key identifiers match, `checkIssued`, and its key verifies the signature, `verify`). Copies of
 * the leaf and duplicates (by SHA-256 fingerprint) are dropped, so a reversed chain or a bundle
 * plus a chain file both work; a certificate that links to nothing is refused with CHAIN_INVALID.
 */
export function orderChain(
  leaf: X509Certificate,
  leafPath: string,
  candidates: SourcedCertificate[],
): X509Certificate[] {
  const seen = new Set([leaf.fingerprint256]);
  let remaining: SourcedCertificate[] = [];
  for (const candidate of candidates) {
    if (seen.has(candidate.cert.fingerprint256)) continue;
    seen.add(candidate.cert.fingerprint256);
    remaining.push(candidate);
  }
  const ordered: X509Certificate[] = [];
  let current = leaf;
  // Each pass moves one certificate into `ordered`, so at most remaining.length passes.
  for (let pass = remaining.length; pass > 0 && remaining.length > 0; pass -= 1) {
    const issuer = remaining.find((candidate) => issued(current, candidate.cert));
    if (!issuer) break;
    ordered.push(issuer.cert);
    remaining = remaining.filter((candidate) => candidate !== issuer);
    current = issuer.cert;
  }
  if (remaining.length > 0) {
    const [stray] = remaining;
    const extra = remaining.length > 1 ? ` (and ${remaining.length - 1} more)` : '';
    throw new HookError(
      'CHAIN_INVALID',
      `${stray.path} holds certificate "${formatName(stray.cert.subject)}"${extra}, which does not link to certificate ${leafPath} ` +
        `(issued by "${formatName(leaf.issuer)}"); remove it, or use the chain your CA sent with this certificate`,
    );
  }
  return ordered;
}

/** Whether `issuer` issued `cert`: names/key ids match and the signature verifies. */
function issued(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    // verify throws for key types it cannot use; such a certificate issued nothing here.
    return false;
  }
}
