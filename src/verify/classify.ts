/** What one served certificate means for one name, against the certificate that was uploaded. */
import { nameCovers } from '../certificate/names.js';
import type { EdgeNameResult } from './edge-result.js';
import type { ProbeResult } from './edge-probe.js';

export interface Expected {
  fingerprint256: string;
  notBefore: Date;
  /** The certificate this upload replaced, when the journal knows it. */
  previousFingerprint256?: string;
}

/**
 * served: the uploaded one. old: the one it replaced (the journal's previous fingerprint, or a
 * certificate for this name that is not newer than the upload: the API never returns the PEM it
 * held, so this is the best evidence there is). other: anything else (another name's certificate,
 * a CDN default, a newer one). unreachable: no certificate came.
 */
export function classify(name: string, probe: ProbeResult, expected: Expected, afterSeconds: number): EdgeNameResult {
  if (!probe.ok) return { name, outcome: 'unreachable', detail: probe.detail };
  if (probe.fingerprint256 === expected.fingerprint256) return { name, outcome: 'served', afterSeconds };
  const served = { servedNotAfter: probe.notAfter, servedFingerprint256: probe.fingerprint256 };
  const replaced =
    probe.fingerprint256 === expected.previousFingerprint256 ||
    (probe.names.some((n) => nameCovers(n, name)) && probe.notBefore.getTime() <= expected.notBefore.getTime());
  return { name, outcome: replaced ? 'old' : 'other', ...served };
}
