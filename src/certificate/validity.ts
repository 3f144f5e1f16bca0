import type { X509Certificate } from 'node:crypto';
import { HookError } from '../errors.js';

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** The leaf's validity window; node 20 gives it only as text ("Jan  1 00:00:00 2125 GMT"). */
export function validityOf(cert: X509Certificate): Validity {
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/** Refuses a certificate that is not valid at `now`: uploading it would break the site. */
export function checkValidity(validity: Validity, now: Date, path: string): void {
  if (now.getTime() > validity.notAfter.getTime()) {
    throw new HookError(
      'CERT_EXPIRED',
      `certificate ${path} expired on ${isoSeconds(validity.notAfter)}; renew it first (or check the system clock)`,
    );
  }
  if (now.getTime() < validity.notBefore.getTime()) {
    throw new HookError(
      'CERT_NOT_YET_VALID',
      `certificate ${path} is not valid until ${isoSeconds(validity.notBefore)}; check the system clock, or deploy it from then on`,
    );
  }
}

/** 2021-01-01T00:00:00Z: ISO 8601 without the milliseconds nobody needs here. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
