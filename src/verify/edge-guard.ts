/**
 * Never older than the edge: several hosts may renew the same names, each with its own journal.
 * Before an upload, ask the edge (the verify step's address rules) what it serves for the
 * certificate's names; a newer certificate there (later notBefore, and trusted by the trust step's
 * rules; against a sandbox any certificate counts) means another host deployed it: refuse with
 * OLDER_CERTIFICATE, nothing sent. An edge that does not answer is said and passed by.
 */
import { X509Certificate } from 'node:crypto';
import pMap from 'p-map';
import { nameCovers } from '../certificate/names.js';
import { trustOf } from '../certificate/trust.js';
import type { CheckedCertificate } from '../certificate/types.js';
import { HookError } from '../errors.js';
import type { Output } from '../redact.js';
import { addressFor, type EdgeAddress } from './edge-address.js';
import type { Probe, ServedCertificate } from './edge-probe.js';
import { probeableNames } from './poll-edge.js';

/** The most the question may take in all: it delays every upload. */
const EDGE_GUARD_MS = 5000;
/** Handshakes at once, for a certificate with many names. */
const AT_ONCE = 8;

export interface EdgeGuardConfig {
  edgeAddress?: EdgeAddress;
  /** The API is a loopback sandbox: any certificate its edge serves counts. */
  loopback: boolean;
  /** BELUGA_CA_FILE, for the trust check of what the edge serves. */
  caFile?: string;
  timeoutMs?: number;
}

/** Throws OLDER_CERTIFICATE when the edge serves a newer certificate; otherwise prints one line. */
export type EdgeGuard = (cert: CheckedCertificate, out: Output) => Promise<void>;

export function createEdgeGuard(config: EdgeGuardConfig, deps: { probe?: Probe } = {}): EdgeGuard {
  return async (cert, out) => {
    const names = probeableNames(cert.names);
    if (names.length === 0) {
      out.info('edge: not asked before the upload: the certificate has only wildcard names');
      return;
    }
    const probe = deps.probe ?? (await import('./edge-probe.js')).probeEdge;
    const deadline = Date.now() + (config.timeoutMs ?? EDGE_GUARD_MS);
    const answers = await pMap(
      names,
      async (name) => {
        const left = deadline - Date.now();
        return { name, result: left > 0 ? await probe(name, addressFor(name, config.edgeAddress), left) : undefined };
      },
      { concurrency: AT_ONCE },
    );

    let newest: { name: string; served: ServedCertificate } | undefined;
    const unanswered: string[] = [];
    const untrusted: string[] = [];
    for (const { name, result } of answers) {
      if (!result || !result.ok) {
        unanswered.push(result ? `${name}: ${result.detail}` : `${name}: no time left`);
        continue;
      }
      const newer = result.fingerprint256 !== cert.fingerprint256 && result.notBefore > cert.notBefore;
      if (!newer || !result.names.some((n) => nameCovers(n, name))) continue;
      if (!config.loopback && !(await trusted(result, config.caFile))) {
        untrusted.push(name);
        continue;
      }
      if (!newest || result.notBefore > newest.served.notBefore) newest = { name, served: result };
    }
    if (newest) {
      const { name, served } = newest;
      throw new HookError(
        'OLDER_CERTIFICATE',
        `the edge serves a newer certificate for ${name} (notBefore ${served.notBefore.toISOString()}, sha256 ${served.fingerprint256.slice(0, 23)}…) ` +
          `than this one (notBefore ${cert.notBefore.toISOString()}), likely deployed by another host; nothing was sent. Pass --allow-older to replace it anyway`,
      );
    }
    for (const name of untrusted)
      out.info(`edge: serves a newer certificate for ${name} that browsers would not trust; not counted`);
    if (unanswered.length > 0) {
      out.info(
        `edge: could not ask for ${unanswered.length} of ${names.length} name(s) before the upload (${unanswered[0]}); going on`,
      );
    } else {
      out.info(`edge: serves nothing newer for ${names.length} name(s); going on`);
    }
  };
}

async function trusted(served: ServedCertificate, caFile: string | undefined): Promise<boolean> {
  if (!served.der) return false;
  try {
    const chain = (served.chainDer ?? []).map((der) => new X509Certificate(der));
    return (await trustOf(new X509Certificate(served.der), chain, caFile, new Date())).trusted;
  } catch {
    return false; // a certificate that cannot be read is not one browsers trust
  }
}
