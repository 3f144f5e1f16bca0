import { baseUrlProblem } from './base-url.js';
import { checkUrl } from './check-url.js';
import { readSecondsMs } from './numbers.js';
import { rowNamed } from './setting-row.js';
import { BELUGA_ROWS, SECRET_NAMES, SETTING_ROWS, type SettingName, type Settings } from './settings-table.js';
import { basicForms, userinfoSecrets } from '../secret-forms.js';
import { settingsError } from './settings-error.js';

export type BelugaAuth =
  { kind: 'token'; tokenId: string; tokenSecret: string } | { kind: 'basic'; username: string; password: string };

export interface BelugaConfig {
  baseUrl: string;
  auth: BelugaAuth;
  certId?: string;
  site?: string;
  sendChain: boolean;
  /** Update even when served names would be lost (BELUGA_ALLOW_NAME_LOSS, or --allow-name-loss). */
  allowNameLoss: boolean;
  timeoutMs: number;
}

export const DEFAULT_BASE_URL = rowNamed(BELUGA_ROWS, 'BELUGA_BASE_URL').default!;

/** Settings holding a URL: its user:password (if any) is a secret, even where the rest is not. */
const URL_SETTINGS = SETTING_ROWS.filter((row) => row.type === 'url').map((row) => row.name as SettingName);

/**
 * Every secret value in the settings, for the redaction filter (which adds each one's derived
 * forms): the secret settings, the userinfo of any URL setting, Basic auth's user:password (its
 * header is the base64 of that) and the secret half of a Telegram bot token.
 */
export function secretValues(settings: Settings): string[] {
  const values = SECRET_NAMES.map((name) => settings[name]).filter((v): v is string => Boolean(v));
  const { BELUGA_USERNAME: user, BELUGA_PASSWORD: password, TELEGRAM_BOT_TOKEN: bot } = settings;
  return [
    ...values,
    ...URL_SETTINGS.flatMap((name) => userinfoSecrets(settings[name])),
    ...(user && password ? basicForms(user, password) : []),
    ...(bot?.includes(':') ? [bot.slice(bot.indexOf(':') + 1)] : []),
  ];
}

/**
 * Build the Beluga settings. Reads BELUGA_TOKEN_ID/BELUGA_TOKEN_SECRET (preferred) or
 * BELUGA_USERNAME/BELUGA_PASSWORD, BELUGA_BASE_URL, BELUGA_CERT_ID, BELUGA_SITE,
 * BELUGA_SEND_CHAIN, BELUGA_ALLOW_NAME_LOSS, BELUGA_TIMEOUT. Names every missing setting in one message.
 */
export function buildBelugaConfig(s: Settings, otherProblems: string[] = []): BelugaConfig {
  const problems: string[] = [...otherProblems];
  const config = readBelugaConfig(s, problems);
  if (problems.length > 0 || !config) {
    throw settingsError(problems);
  }
  return config;
}

/**
 * The same settings as buildBelugaConfig, each problem added to `problems` instead of thrown, a
 * bad value replaced by its default: undefined only when no request could be made with them (no
 * complete credentials, or an unusable BELUGA_BASE_URL).
 */
export function readBelugaConfig(s: Settings, problems: string[]): BelugaConfig | undefined {
  const auth = pickAuth(s, problems);
  const baseUrl = s.BELUGA_BASE_URL || DEFAULT_BASE_URL;
  const before = problems.length;
  const baseProblem = baseUrlProblem(baseUrl);
  if (baseProblem) problems.push(baseProblem);
  else checkUrl('BELUGA_BASE_URL', baseUrl, problems);
  const usableUrl = problems.length === before;
  const sendChain = parseBoolean('BELUGA_SEND_CHAIN', s.BELUGA_SEND_CHAIN, true, problems);
  const allowNameLoss = parseBoolean('BELUGA_ALLOW_NAME_LOSS', s.BELUGA_ALLOW_NAME_LOSS, false, problems);
  const timeoutMs = readSecondsMs('BELUGA_TIMEOUT', s.BELUGA_TIMEOUT, undefined, problems);
  if (!auth || !usableUrl) return undefined;
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    auth,
    certId: s.BELUGA_CERT_ID || undefined,
    site: s.BELUGA_SITE || undefined,
    sendChain,
    allowNameLoss,
    timeoutMs,
  };
}

function pickAuth(s: Settings, problems: string[]): BelugaAuth | undefined {
  const { BELUGA_TOKEN_ID: id, BELUGA_TOKEN_SECRET: secret, BELUGA_USERNAME: user, BELUGA_PASSWORD: pass } = s;
  if (id && secret) return { kind: 'token', tokenId: id, tokenSecret: secret };
  // Half a token pair is a mistake even when basic auth is complete: say which half is missing.
  if (id || secret) {
    problems.push(`missing setting: ${id ? 'BELUGA_TOKEN_SECRET' : 'BELUGA_TOKEN_ID'} (the token pair needs both)`);
    return undefined;
  }
  if (user && pass) return { kind: 'basic', username: user, password: pass };
  if (user || pass) {
    problems.push(`missing setting: ${user ? 'BELUGA_PASSWORD' : 'BELUGA_USERNAME'} (basic auth needs both)`);
    return undefined;
  }
  problems.push('missing settings: BELUGA_TOKEN_ID and BELUGA_TOKEN_SECRET (or BELUGA_USERNAME and BELUGA_PASSWORD)');
  return undefined;
}

export function parseBoolean(name: string, value: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(true|yes|1|on)$/i.test(value)) return true;
  if (/^(false|no|0|off)$/i.test(value)) return false;
  problems.push(`${name} must be true or false (got ${value})`);
  return fallback;
}
