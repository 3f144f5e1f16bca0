/**
 * Would a browser trust this certificate? Checked before anything is sent: the leaf and its
 * intermediates must lead, signature by signature, to a trust anchor: node's bundled Mozilla roots
 * (`tls.rootCertificates`), the system bundle where there is one (read only when needed), and the certificates in
 * BELUGA_CA_FILE (a private CA, or pebble's root in tests). Only node:crypto is used: node-forge
 * cannot read the EC certificates lego and certbot make by default.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readRegularFile, sizeText } from '../bounded-read.js';
import { DEFAULT_BASE_URL, parseBoolean } from '../config/build-config.js';
import { isLoopbackUrl } from '../config/check-url.js';
import { HookError } from '../errors.js';
import { commonName, formatName } from './names.js';
import { pemBlocks, toText } from './pem.js';
import type { CheckedCertificate } from './types.js';

/** Where a trust anchor came from, as the output names it. */
export type AnchorSource = 'node' | 'system' | 'BELUGA_CA_FILE';

/** A trust anchor, kept as DER: parsed only when its subject is the issuer asked about. */
export interface Anchor {
  der: Buffer;
  source: AnchorSource;
  parsed?: X509Certificate;
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
 * a trusted root does not matter; a certificate that is itself an anchor counts as reached.
 */
export function verifyTrust(
  leaf: X509Certificate,
  chain: X509Certificate[],
  anchors: Anchor[],
  now: Date,
): TrustVerdict {
  const bySubject = indexed(anchors);
  const path = [leaf];
  let current = leaf;
  for (let step = 0; step <= chain.length; step += 1) {
    const { issuer, subject } = nameKeys(current.raw);
    const same = (bySubject.get(subject) ?? []).find((a) => parse(a).fingerprint256 === current.fingerprint256);
    if (same) return { trusted: true, root: describe(parse(same)), source: same.source };
    const anchor = (bySubject.get(issuer) ?? []).find((a) => validAt(parse(a), now) && issued(current, parse(a)));
    if (anchor) return { trusted: true, root: describe(parse(anchor)), source: anchor.source };
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

function untrusted(path: X509Certificate[], reason: string): TrustVerdict {
  const top = path[path.length - 1]!;
  return { trusted: false, issuer: formatName(top.issuer), staging: path.some(isStaging), reason };
}

/** Let's Encrypt's staging hierarchy: "(STAGING) ..." names today, "Fake LE ..." before 2020. */
function isStaging(cert: X509Certificate): boolean {
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

function parse(anchor: Anchor): X509Certificate {
  anchor.parsed ??= new X509Certificate(anchor.der);
  return anchor.parsed;
}

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/**
 * Anchors from PEM text, decoded but not parsed: parsing (or even pemBlocks' full reading of)
 * node's ~150 roots and a system bundle as large would cost every run several milliseconds.
 * Buffer's base64 decoder skips the line breaks.
 */
export function anchorsFromText(text: string, source: AnchorSource): Anchor[] {
  const anchors: Anchor[] = [];
  for (let at = text.indexOf(BEGIN); at !== -1; at = text.indexOf(BEGIN, at + BEGIN.length)) {
    const end = text.indexOf(END, at);
    if (end === -1) break;
    anchors.push({ der: Buffer.from(text.slice(at + BEGIN.length, end), 'base64'), source });
  }
  return anchors;
}

/** Every certificate in PEM text (the chain the ACME client wrote). */
function parseAll(text: string): X509Certificate[] {
  return pemBlocks(text)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => new X509Certificate(b.text));
}

/**
 * A certificate's issuer and subject Names as hex of their DER, read straight off the bytes
 * (Certificate ::= SEQUENCE { tbs SEQUENCE { [0] version?, serial, signature, issuer, validity,
 * subject, ... } }): equal bytes are the same name, which is how an issuer's anchor is found.
 */
function nameKeys(der: Buffer): { issuer: string; subject: string } {
  const tlv = (at: number) => {
    if (at + 2 > der.length) throw new RangeError('truncated DER');
    let length = der[at + 1]!;
    let header = 2;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      length = 0;
      for (let i = 0; i < bytes; i += 1) length = length * 256 + der[at + 2 + i]!;
      header += bytes;
    }
    return { tag: der[at]!, start: at + header, end: at + header + length };
  };
  let at = tlv(tlv(0).start).start; // into tbsCertificate
  if (tlv(at).tag === 0xa0) at = tlv(at).end; // version
  at = tlv(at).end; // serialNumber
  at = tlv(at).end; // signature algorithm
  const issuerEnd = tlv(at).end;
  const subjectStart = tlv(issuerEnd).end; // after validity
  return {
    issuer: der.subarray(at, issuerEnd).toString('hex'),
    subject: der.subarray(subjectStart, tlv(subjectStart).end).toString('hex'),
  };
}

const indexes = new WeakMap<Anchor[], Map<string, Anchor[]>>();

/** Anchors by subject, once per anchor list: a sync checks thousands of certificates against ~300. */
function indexed(anchors: Anchor[]): Map<string, Anchor[]> {
  let bySubject = indexes.get(anchors);
  if (!bySubject) {
    bySubject = new Map();
    for (const a of anchors) {
      try {
        const key = nameKeys(a.der).subject;
        bySubject.set(key, [...(bySubject.get(key) ?? []), a]);
      } catch {
        // a damaged entry in a bundle anchors nothing
      }
    }
    indexes.set(anchors, bySubject);
  }
  return bySubject;
}

let nodeRoots: Anchor[] | undefined;
let systemBundle: Promise<Anchor[]> | undefined;

/** The system bundle, read once a process and only when node's roots did not anchor a chain. */
function systemAnchors(): Promise<Anchor[]> {
  systemBundle ??= (async () => {
    const bundle = SYSTEM_BUNDLES.find((path) => existsSync(path));
    if (!bundle) return [];
    try {
      const read = await readRegularFile(bundle, { maxBytes: MAX_BUNDLE_BYTES });
      return 'data' in read ? anchorsFromText(toText(read.data), 'system') : [];
    } catch {
      return []; // an unreadable system bundle leaves node's roots, which hold the public CAs
    }
  })();
  return systemBundle;
}

const withCaFile = new Map<string, Promise<Anchor[]>>();

/** BELUGA_CA_FILE's anchors, then node's roots; one list a process per file. */
function primaryAnchors(caFile: string | undefined): Promise<Anchor[]> {
  const key = caFile ?? '';
  let anchors = withCaFile.get(key);
  if (!anchors) {
    anchors = (async () => {
      // node:tls only now: loading it at start would pull net, streams and crypto into every hook.
      nodeRoots ??= anchorsFromText((await import('node:tls')).rootCertificates.join('\n'), 'node');
      return [...(caFile ? await caFileAnchors(caFile) : []), ...nodeRoots];
    })();
    // A failed read is not kept: the error is told to the certificate that found it, and the next tries again.
    anchors.catch(() => withCaFile.delete(key));
    withCaFile.set(key, anchors);
  }
  return anchors;
}

/**
 * The verdict against BELUGA_CA_FILE and node's roots, and only when they do not anchor the chain
 * also against the system bundle (most certificates chain to a public root: no 200 KiB read).
 */
export async function trustOf(
  leaf: X509Certificate,
  chain: X509Certificate[],
  caFile: string | undefined,
  now: Date,
): Promise<TrustVerdict> {
  const first = verifyTrust(leaf, chain, await primaryAnchors(caFile), now);
  if (first.trusted) return first;
  const system = await systemAnchors();
  return system.length > 0 ? verifyTrust(leaf, chain, system, now) : first;
}

/** BELUGA_CA_FILE's certificates: a file that cannot be read or holds none is a configuration error. */
async function caFileAnchors(path: string): Promise<Anchor[]> {
  let read;
  try {
    read = await readRegularFile(path, { maxBytes: MAX_BUNDLE_BYTES });
  } catch (err) {
    throw new HookError(
      'CONFIG',
      `BELUGA_CA_FILE=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); name a PEM file holding the CA certificates to trust`,
    );
  }
  if (!('data' in read)) {
    throw new HookError(
      'CONFIG',
      `BELUGA_CA_FILE=${path} ${read.refused === 'not-regular' ? 'is not a regular file' : `is larger than ${sizeText(MAX_BUNDLE_BYTES)}`}; name a PEM file holding the CA certificates to trust`,
    );
  }
  const anchors = anchorsFromText(toText(read.data), 'BELUGA_CA_FILE');
  if (anchors.length === 0)
    throw new HookError(
      'CONFIG',
      `BELUGA_CA_FILE=${path} holds no PEM certificate; name a PEM file holding the CA certificates to trust`,
    );
  return anchors;
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
export const ALLOW_UNTRUSTED_WARNING =
  'warning: BELUGA_ALLOW_UNTRUSTED=true: a certificate browsers do not trust is uploaded all the same';

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
  const verdict = await trustOf(
    new X509Certificate(cert.certificatePem),
    parseAll(cert.chainPem),
    settings.caFile,
    now,
  );
  if (verdict.trusted) {
    lines.push(`trust: chains to "${verdict.root}" (${sourceText(verdict.source)})`);
    return { lines };
  }
  const what = verdict.staging
    ? `this is a Let's Encrypt staging certificate (issuer "${verdict.issuer}"); browsers do not trust it`
    : `browsers would not trust this certificate: ${verdict.reason}`;
  if (settings.allowUntrusted || settings.loopback) {
    lines.push(
      `warning: trust: ${what} (uploaded anyway: ${settings.allowUntrusted ? 'BELUGA_ALLOW_UNTRUSTED=true' : 'BELUGA_BASE_URL is a loopback sandbox'})`,
    );
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
