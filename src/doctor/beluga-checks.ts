/**
 * Credentials and the clock, from one read-only list call: whether Beluga accepts the configured
 * credentials, and how far this host's clock is from the `Date` of Beluga's answer (token auth
 * signs the time, so a clock far off gets every token request refused).
 */
import { createBelugaClient } from '../beluga/client.js';
import type { BelugaConfig } from '../config/build-config.js';
import { isHookError } from '../errors.js';
import type { HttpClient } from '../http.js';
import { check, type Check } from './check.js';

/** Past this, a warning: clocks drift, and it will only grow. */
const WARN_SKEW_MS = 60_000;
/** Past this, a failure: how far a server commonly lets a signed Date be from its own clock. */
const FAIL_SKEW_MS = 5 * 60_000;

/** The setting names of the credentials in use, as the fix should name them. */
const names = (config: BelugaConfig) =>
  config.auth.kind === 'token' ? 'BELUGA_TOKEN_ID/BELUGA_TOKEN_SECRET' : 'BELUGA_USERNAME/BELUGA_PASSWORD';

/**
 * The credentials and the clock; `config` undefined (no complete credentials, or an unusable
 * BELUGA_BASE_URL) leaves both unchecked: the setting lines say why.
 */
export async function belugaChecks(
  config: BelugaConfig | undefined,
  deps: { http: HttpClient; now: () => Date },
): Promise<Check[]> {
  if (!config)
    return [check('info', 'credentials', 'not checked: the Beluga settings above are incomplete or invalid')];
  // The Date of the answer, and this clock when it came: the list call itself is not changed.
  let answered: { date: string | undefined; at: Date } | undefined;
  const http: HttpClient = async (url, request) => {
    const res = await deps.http(url, request);
    answered = { date: res.header('date'), at: deps.now() };
    return res;
  };
  const checks: Check[] = [];
  try {
    const records = await createBelugaClient(config, { http, now: deps.now }).list();
    checks.push(
      check(
        'ok',
        'credentials',
        `${config.baseUrl} accepted ${names(config)} (${records.length} certificate record(s) listed)`,
      ),
    );
  } catch (err) {
    if (!isHookError(err)) throw err;
    const text =
      err.code === 'CREDENTIALS_REJECTED'
        ? `Beluga rejected ${names(config)}: ${err.message}`
        : `not checked, Beluga gave no usable answer: ${err.message}`;
    checks.push(check('FAIL', 'credentials', text));
  }
  checks.push(clockCheck(answered));
  return checks;
}

function clockCheck(answered: { date: string | undefined; at: Date } | undefined): Check {
  if (!answered) return check('info', 'clock', 'not checked: no answer from Beluga to compare with');
  const server = answered.date === undefined ? NaN : Date.parse(answered.date);
  if (Number.isNaN(server))
    return check('warn', 'clock', "not checked: Beluga's answer has no valid Date header to compare with");
  const skew = answered.at.getTime() - server;
  // The header counts whole seconds: a second's difference is no skew.
  const off =
    Math.abs(skew) < 1000 ? 'agrees with' : `is ${duration(Math.abs(skew))} ${skew > 0 ? 'ahead of' : 'behind'}`;
  const text = `this host's clock ${off} Beluga's (Date: ${answered.date})`;
  const fix = 'sync the clock (NTP: timedatectl set-ntp true, or chrony)';
  if (Math.abs(skew) > FAIL_SKEW_MS)
    return check('FAIL', 'clock', `${text}; token requests sign the time and are refused this far off; ${fix}`);
  if (Math.abs(skew) > WARN_SKEW_MS) return check('warn', 'clock', `${text}; token signing depends on it; ${fix}`);
  return check('ok', 'clock', text);
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes} min ${seconds % 60} s`;
  return `${Math.round(minutes / 60)} h`;
}
