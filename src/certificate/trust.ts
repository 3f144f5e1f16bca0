/**
 * Would a browser trust this certificate? Checked before anything is sent: the leaf and its
 * intermediates must lead, signature by signature, to a trust anchor: node's bundled Mozilla roots
 * (`tls.rootCertificates`), the system bundle where there is one, and the certificates in
 * BELUGA_CA_FILE (a private CA, or pebble's root in tests). Only node:crypto is used: node-forge
 * cannot read the EC certificates lego and certbot make by default.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { readRegularFile, sizeText } from '../bounded-read.js';
import { DEFAULT_BASE_URL, isLoopbackUrl, parseBoolean } from '../config/build-config.js';
import { HookError } from '../errors.js';
import { commonName, formatName } from './names.js';
import { pemBlocks, toText } from './pem.js';
import type { CheckedCertificate } from './types.js';

/** Where a trust anchor came from, as the output names it. */
export type AnchorSource = 'node' | 'system' | 'BELUGA_CA_FILE';

export interface Anchor {
  cert: X509Certificate;
  source: AnchorSource;
}

export type TrustVerdict =
  | { trusted: true; root: string; source: AnchorSource }
  | { trusted: false; issuer: string; staging: boolean; reason: string };

/** The system bundles of Debian/Ubuntu/Alpine, Fedora/RHEL, and macOS/BSD; the first present is read. */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];
/** Far above a real CA bundle (Mozilla's is ~220 KiB); a bigger file is surely the wrong one. */
const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

/**
 * The path from `leaf` through `chain` (already ordered leaf-upwards) to an anchor. At each step an
 * anchor that issued the current certificate ends the walk, so a cross-signed intermediate beyond
 * a trusted root does not matter; an anchor included in the chain itself counts as reached.
 */
export function verifyTrust(leaf: X509Certificate, chain: X509Certificate[], anchors: Anchor[], now: Date): TrustVerdict {
  const bySubject = indexed(anchors);
  const path = [leaf];
  let current = leaf;
  for (let step = 0; step <= chain.length; step += 1) {
    const candidates = bySubject.get(current.issuer) ?? [];
    const same = (bySubject.get(current.subject) ?? []).find((a) => a.cert.fingerprint256 === current.fingerprint256);
    if (same) return { trusted: true, root: describe(same.cert), source: same.source };
    const anchor = candidates.find((a) => validAt(a.cert, now) && issued(current, a.cert));
    if (anchor) return { trusted: true, root: describe(anchor.cert), source: anchor.source };
    const next = chain.find((c) => c !== current && !path.includes(c) && issued(current, c));
    if (!next) break;
    if (!validAt(next, now)) {
      return untrusted(path.concat(next), `intermediate "${describe(next)}" is not valid now (until ${next.validTo})`);
    }
    path.push(next);
    current = next;
  }
  return untrusted(path, `no trusted root issued "${formatName(current.issuer)}"`);
}

const indexes = new WeakMap<Anchor[], Map<string, Anchor[]>>();

/** Anchors by subject, once per anchor list: a sync checks thousands of certificates against ~300. */
function indexed(anchors: Anchor[]): Map<string, Anchor[]> {
  let bySubject = indexes.get(anchors);
  if (!bySubject) {
    bySubject = new Map();
    for (const a of anchors) bySubject.set(a.cert.subject, [...(bySubject.get(a.cert.subject) ?? []), a]);
    indexes.set(anchors, bySubject);
  }
  return bySubject;
}

function untrusted(path: X509Certificate[], reason: string): TrustVerdict {
  const top = path[path.length - 1]!;
  return { trusted: false, issuer: formatName(top.issuer), staging: path.some(isStaging), reason };
}

/** Let's Encrypt's staging hierarchy: "(STAGING) ..." names today, "Fake LE ..." before 2020. */
export function isStaging(cert: X509Certificate): boolean {
  return [cert.subject, cert.issuer].some((dn) => /CN="?(\(STAGING\)|Fake LE)/i.test(dn));
}

function issued(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false; // a key type verify cannot use issued nothing here
  }
}

function validAt(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

function describe(cert: X509Certificate): string {
  return commonName(cert) ?? formatName(cert.subject);
}

/** Every certificate in PEM text; anything that is not one is left out. */
function parseAll(text: string): X509Certificate[] {
  const certs: X509Certificate[] = [];
  for (const block of pemBlocks(text)) {
    if (block.label !== 'CERTIFICATE') continue;
    try {
      certs.push(new X509Certificate(block.text));
    } catch {
      // a damaged entry in a system bundle is not this run's problem
    }
  }
  return certs;
}

let builtIn: Anchor[] | undefined;

/** node's roots and the system bundle, parsed once a process (a sync checks many certificates). */
async function builtInAnchors(): Promise<Anchor[]> {
  if (builtIn) return builtIn;
  const anchors: Anchor[] = parseAll(rootCertificates.join('\n')).map((cert) => ({ cert, source: 'node' }));
  const bundle = SYSTEM_BUNDLES.find((path) => existsSync(path));
  if (bundle) {
    try {
      const read = await readRegularFile(bundle, { maxBytes: MAX_BUNDLE_BYTES });
      if ('data' in read) anchors.push(...parseAll(toText(read.data)).map((cert) => ({ cert, source: 'system' as const })));
    } catch {
      // an unreadable system bundle leaves node's roots, which hold the public CAs
    }
  }
  builtIn = anchors;
  return anchors;
}

const combined = new Map<string, Promise<Anchor[]>>();

/** BELUGA_CA_FILE's anchors first, then the built-in ones; one list a process per file. */
export function anchorsFor(caFile: string | undefined): Promise<Anchor[]> {
  const key = caFile ?? '';
  let anchors = combined.get(key);
  if (!anchors) {
    anchors = (async () => [...(caFile ? await caFileAnchors(caFile) : []), ...(await builtInAnchors())])();
    // A failed read is not kept: the error is told to the certificate that found it, and the next tries again.
    anchors.catch(() => combined.delete(key));
    combined.set(key, anchors);
  }
  return anchors;
}

/** BELUGA_CA_FILE's certificates: a file that cannot be read or holds none is a configuration error. */
async function caFileAnchors(path: string): Promise<Anchor[]> {
  let read;
  try {
    read = await readRegularFile(path, { maxBytes: MAX_BUNDLE_BYTES });
  } catch (err) {
    throw new HookError('CONFIG', `BELUGA_CA_FILE=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); name a PEM file holding the CA certificates to trust`);
  }
  if (!('data' in read)) {
    throw new HookError('CONFIG', `BELUGA_CA_FILE=${path} ${read.refused === 'not-regular' ? 'is not a regular file' : `is larger than ${sizeText(MAX_BUNDLE_BYTES)}`}; name a PEM file holding the CA certificates to trust`);
  }
  const certs = parseAll(toText(read.data));
  if (certs.length === 0) throw new HookError('CONFIG', `BELUGA_CA_FILE=${path} holds no PEM certificate; name a PEM file holding the CA certificates to trust`);
  return certs.map((cert) => ({ cert, source: 'BELUGA_CA_FILE' }));
}

export interface TrustSettings {
  /** BELUGA_CA_FILE: extra anchors. */
  caFile?: string;
  /** BELUGA_ALLOW_UNTRUSTED=true: an untrusted certificate is a warning everywhere. */
  allowUntrusted: boolean;
  /** The API is a loopback sandbox: an untrusted certificate (fixtures, pebble) is a warning. */
  loopback: boolean;
}

/** Said in every run that has the trust check switched off. */
export const ALLOW_UNTRUSTED_WARNING = 'warning: BELUGA_ALLOW_UNTRUSTED=true: a certificate browsers do not trust is uploaded all the same';

/** What the check step prints; a refusal is thrown instead. */
export interface TrustReport {
  lines: string[];
}

/**
 * The trust step. Trusted: one line naming the root. Untrusted: CERT_UNTRUSTED naming the issuer,
 * with a staging certificate called what it is, unless the API is a loopback sandbox or
 * BELUGA_ALLOW_UNTRUSTED is set, where it is a warning line.
 */
export async function checkTrust(cert: CheckedCertificate, settings: TrustSettings, now: Date): Promise<TrustReport> {
  const lines: string[] = [];
  if (settings.allowUntrusted) lines.push(ALLOW_UNTRUSTED_WARNING);
  const anchors = await anchorsFor(settings.caFile);
  const leaf = new X509Certificate(cert.certificatePem);
  const chain = parseAll(cert.chainPem);
  const verdict = verifyTrust(leaf, chain, anchors, now);
  if (verdict.trusted) {
    lines.push(`trust: chains to "${verdict.root}" (${sourceText(verdict.source)})`);
    return { lines };
  }
  const what = verdict.staging
    ? `this is a Let's Encrypt staging certificate (issuer "${verdict.issuer}"); browsers do not trust it`
    : `browsers would not trust this certificate: ${verdict.reason}`;
  if (settings.allowUntrusted || settings.loopback) {
    lines.push(`warning: trust: ${what} (uploaded anyway: ${settings.allowUntrusted ? 'BELUGA_ALLOW_UNTRUSTED=true' : 'BELUGA_BASE_URL is a loopback sandbox'})`);
    return { lines };
  }
  const fix = verdict.staging
    ? 'issue it from the production ACME directory'
    : 'use the chain your CA sent, or name a private CA in BELUGA_CA_FILE (BELUGA_ALLOW_UNTRUSTED=true uploads it anyway)';
  throw new HookError('CERT_UNTRUSTED', `${what}; ${fix}`);
}

function sourceText(source: AnchorSource): string {
  if (source === 'node') return "node's bundled roots";
  if (source === 'system') return 'the system CA bundle';
  return 'BELUGA_CA_FILE';
}

/**
 * The trust step's settings: BELUGA_CA_FILE, BELUGA_ALLOW_UNTRUSTED (a bad value joins `problems`,
 * named with the rest before anything is read), and whether BELUGA_BASE_URL is a loopback sandbox.
 */
export function trustSettings(s: Partial<Record<string, string>>, problems: string[]): TrustSettings {
  return {
    ...(s.BELUGA_CA_FILE ? { caFile: s.BELUGA_CA_FILE } : {}),
    allowUntrusted: parseBoolean('BELUGA_ALLOW_UNTRUSTED', s.BELUGA_ALLOW_UNTRUSTED, false, problems),
    loopback: isLoopbackUrl(s.BELUGA_BASE_URL || DEFAULT_BASE_URL),
  };
}
