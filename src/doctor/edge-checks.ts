/**
 * Per journal record, whether the CDN's edge answers for its name and with what: information only,
 * never a failure (this host may not reach the edge). Asked where the verify step would ask: not
 * with BELUGA_VERIFY=off, nor against an API on a loopback address without BELUGA_EDGE_ADDRESS.
 */
import pMap from 'p-map';
import { DEFAULT_BASE_URL } from '../config/build-config.js';
import type { Settings } from '../config/settings.js';
import type { JournalEntry } from '../journal/index.js';
import { addressFor, formatEdgeAddress } from '../verify/edge-address.js';
import type { Probe } from '../verify/edge-probe.js';
import { PROBE_TIMEOUT_MS } from '../verify/poll-edge.js';
import { effectiveMode, verifySettingsFromEnv } from '../verify/verify-settings.js';
import { check, type Check } from './check.js';

/** Handshakes at once: a journal may hold many records, each probe may wait its whole timeout. */
const PROBES_AT_ONCE = 8;

/** Whether to ask the edge, and why not. Bad verify settings are named by the settings check. */
export function edgeSkipReason(settings: Settings): string | undefined {
  const verify = verifySettingsFromEnv(settings, []);
  if (effectiveMode(verify, settings.BELUGA_BASE_URL || DEFAULT_BASE_URL) !== 'off') return undefined;
  return verify.mode === 'off'
    ? 'not asked: BELUGA_VERIFY is off (or invalid)'
    : 'not asked: the API is on this machine (a sandbox) and BELUGA_EDGE_ADDRESS names no edge';
}

export async function edgeChecks(settings: Settings, entries: JournalEntry[], probe: Probe): Promise<Check[]> {
  const { edgeAddress } = verifySettingsFromEnv(settings, []);
  const deployed = entries.filter((e) => e.deployed !== undefined);
  if (deployed.length === 0) return [check('info', 'edge', 'no deployed certificate in the journal to ask about')];
  return pMap(
    deployed,
    async (entry) => {
      const name = [entry.domain, ...entry.deployed!.names].find((n) => !n.startsWith('*.')) ?? entry.domain;
      const address = addressFor(name, edgeAddress);
      const result = await probe(name, address, PROBE_TIMEOUT_MS);
      const where = `the edge (${formatEdgeAddress(address)})`;
      if (!result.ok) return check('info', `edge ${name}`, `${where} does not answer: ${result.detail}`);
      const same = result.fingerprint256 === entry.deployed!.fingerprint256;
      return check(
        'info',
        `edge ${name}`,
        same
          ? `${where} serves the certificate deployed to Beluga id ${entry.deployed!.recordId}`
          : `${where} serves another certificate (sha256 ${result.fingerprint256}) than the one deployed (sha256 ${entry.deployed!.fingerprint256}); beluga-cert verify ${name} says more`,
      );
    },
    { concurrency: PROBES_AT_ONCE },
  );
}
