/**
 * The verify step's settings: whether and when to check that the CDN's edge serves the uploaded
 * certificate, for how long, and where the edge is.
 */
import { defaultNumber, readSecondsMs } from '../config/numbers.js';
import type { Settings } from '../config/settings.js';
import { parseEdgeAddress, type EdgeAddress } from './edge-address.js';
import { settingsError } from '../config/settings-error.js';

/**
 * off: never; hook: poll in the run; later: record the check as pending for `beluga-cert verify`;
 * auto (default): poll in the run, but give up at once when no edge answers from this host, and
 * do nothing against an API on a loopback address (it has no public edge) unless BELUGA_EDGE_ADDRESS is set.
 */
export type VerifyMode = 'off' | 'hook' | 'later' | 'auto';

export interface VerifySettings {
  mode: VerifyMode;
  /** The most one run polls the edge; the run budget may cut it shorter. */
  timeoutMs: number;
  edgeAddress?: EdgeAddress;
}

export const DEFAULT_VERIFY_TIMEOUT_S = defaultNumber('BELUGA_VERIFY_TIMEOUT');
const MODES: readonly VerifyMode[] = ['off', 'hook', 'later', 'auto'];
const LOOPBACK_URL = /^https?:\/\/(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?(\/|$)/i;

/**
 * Reads BELUGA_VERIFY (off|hook|later|auto, default auto), BELUGA_VERIFY_TIMEOUT (seconds, 1-600,
 * default 45) and BELUGA_EDGE_ADDRESS (host:port or [v6]:port). Bad values: HookError CONFIG
 * naming every one of them (or, given `collect`, added to that list and the check turned off).
 */
export function verifySettingsFromEnv(
  s: Pick<Settings, 'BELUGA_VERIFY' | 'BELUGA_VERIFY_TIMEOUT' | 'BELUGA_EDGE_ADDRESS'>,
  collect?: string[],
): VerifySettings {
  const problems: string[] = [];
  const modeText = (s.BELUGA_VERIFY ?? '').trim().toLowerCase();
  const mode = (modeText === '' ? 'auto' : modeText) as VerifyMode;
  if (!MODES.includes(mode)) problems.push(`BELUGA_VERIFY must be one of ${MODES.join(', ')} (got ${s.BELUGA_VERIFY})`);
  const timeoutMs = readSecondsMs('BELUGA_VERIFY_TIMEOUT', s.BELUGA_VERIFY_TIMEOUT, undefined, problems);
  let edgeAddress: EdgeAddress | undefined;
  if (s.BELUGA_EDGE_ADDRESS !== undefined && s.BELUGA_EDGE_ADDRESS.trim() !== '') {
    edgeAddress = parseEdgeAddress(s.BELUGA_EDGE_ADDRESS);
    if (!edgeAddress)
      problems.push(
        `BELUGA_EDGE_ADDRESS must be host:port, e.g. 203.0.113.7:443 or [2001:db8::7]:443 (got ${s.BELUGA_EDGE_ADDRESS})`,
      );
  }
  // The deploy names all bad settings in one message: it passes its list to collect ours.
  if (collect) {
    collect.push(...problems);
    if (problems.length > 0) return { mode: 'off', timeoutMs, edgeAddress: undefined };
  }
  if (problems.length > 0) throw settingsError(problems);
  return { mode, timeoutMs, edgeAddress };
}

/**
 * What the mode means for this run: `off` also for `auto` against an API on a loopback address
 * with no pinned edge. Such an API (a sandbox, a local stand-in) has no public edge: DNS sends the
 * certificate's names to whatever serves them on the internet, not to what that API stores, so
 * checking there would judge the wrong server. BELUGA_EDGE_ADDRESS names its edge when it has one.
 */
export function effectiveMode(settings: VerifySettings, baseUrl: string | undefined): VerifyMode {
  if (settings.mode === 'auto' && !settings.edgeAddress && baseUrl && LOOPBACK_URL.test(baseUrl)) return 'off';
  return settings.mode;
}
