import type { X509Certificate } from 'node:crypto';

/**
 * Whether a certificate name covers a host name, as TLS clients decide (RFC 6125): case-insensitive,
 * and a wildcard `*.example.com` covers exactly one more label (`a.example.com`, not
 * `a.b.example.com`, nor `example.com` itself). A name equal to the certificate name (a wildcard
 * included) is covered.
 */
export function nameCovers(certName: string, name: string): boolean {
  const pattern = normalise(certName);
  const host = normalise(name);
  if (pattern === '' || host === '') return false;
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(1);
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, host.length - suffix.length);
  return label !== '' && !label.includes('.') && label !== '*';
}

/** Lower case, without a trailing root dot. */
export function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** The DNS names of a certificate: subjectAltName DNS entries in order, else its CN. */
export function certificateNames(cert: X509Certificate): string[] {
  const fromSan = sanDnsNames(cert.subjectAltName);
  if (fromSan.length > 0) return fromSan;
  const cn = commonName(cert);
  return cn === undefined ? [] : [cn];
}

/** node prints SANs as `DNS:a, DNS:b, IP Address:...`, quoting (JSON) values with odd characters. */
function sanDnsNames(san: string | undefined): string[] {
  if (!san) return [];
  const names: string[] = [];
  for (const match of san.matchAll(/(?:^|, )DNS:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    names.push(unquote(match[1]));
  }
  return names;
}

/** The subject's (last, i.e. most specific) CN, if any. */
export function commonName(cert: X509Certificate): string | undefined {
  const cns = subjectParts(cert.subject).filter(([key]) => key === 'CN');
  return cns.length > 0 ? cns[cns.length - 1][1] : undefined;
}

/** A subject or issuer as one line, e.g. `O=Beluga Test, CN=example.com`. */
export function formatName(distinguishedName: string): string {
  return subjectParts(distinguishedName)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}

/** node prints a DN one `KEY=value` per line, JSON-quoting values with special characters. */
function subjectParts(dn: string): Array<[string, string]> {
  return dn
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => {
      const eq = line.indexOf('=');
      return [line.slice(0, eq), unquote(line.slice(eq + 1))];
    });
}

function unquote(value: string): string {
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
    try {
      return String(JSON.parse(value));
    } catch {
      return value.slice(1, -1);
    }
  }
  return value;
}
