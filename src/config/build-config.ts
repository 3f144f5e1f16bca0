import { HookError } from '../errors.js';
import { baseUrlProblem } from './base-url.js';
import { readSecondsMs } from './numbers.js';
import { basicForms, userinfoSecrets } from '../secret-forms.js';
import { SECRET_NAMES, type Settings } from './settings.js';

export type BelugaAuth =
  | { kind: 'token'; tokenId: string; tokenSecret: string }
  | { kind: 'basic'; username: string; password: string };

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

export interface SlackSettings {
  webhookUrl: string;
  channel?: string;
  username?: string;
  iconEmoji?: string;
  timeoutMs: number;
  maxAttempts: number;
}

export const DEFAULT_BASE_URL = 'https://api.belugacdn.com';
const DEFAULT_TIMEOUT_S = 20;

/** Settings holding a URL whose user:password (if any) is a secret, though the rest is not. */
const URL_SETTINGS = ['BELUGA_BASE_URL', 'TELEGRAM_API_URL', 'SMTP_URL'] as const;

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
  const auth = pickAuth(s, problems);
  const baseUrl = s.BELUGA_BASE_URL || DEFAULT_BASE_URL;
  const baseProblem = baseUrlProblem(baseUrl);
  if (baseProblem) problems.push(baseProblem);
  else checkUrl('BELUGA_BASE_URL', baseUrl, problems);
  const sendChain = parseBoolean('BELUGA_SEND_CHAIN', s.BELUGA_SEND_CHAIN, true, problems);
  const allowNameLoss = parseBoolean('BELUGA_ALLOW_NAME_LOSS', s.BELUGA_ALLOW_NAME_LOSS, false, problems);
  const timeoutMs = readSecondsMs('BELUGA_TIMEOUT', s.BELUGA_TIMEOUT, DEFAULT_TIMEOUT_S, problems);
  if (problems.length > 0 || !auth) {
    throw new HookError('CONFIG', `${problems.join('; ')}; set them in the environment or in the config file (BELUGA_HOOK_CONFIG)`);
  }
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

/**
 * Build the Slack settings, or undefined when SLACK_WEBHOOK_URL is not set (then no message).
 * Reads SLACK_WEBHOOK_URL, SLACK_CHANNEL, SLACK_USERNAME, SLACK_ICON_EMOJI, SLACK_TIMEOUT.
 */
export function buildSlackConfig(s: Settings): SlackSettings | undefined {
  if (!s.SLACK_WEBHOOK_URL) return undefined;
  const problems: string[] = [];
  // The URL is a secret: name the setting, never echo the value.
  checkUrl('SLACK_WEBHOOK_URL', s.SLACK_WEBHOOK_URL, problems, true);
  const timeoutMs = readSecondsMs('SLACK_TIMEOUT', s.SLACK_TIMEOUT, 10, problems);
  if (problems.length > 0) throw new HookError('CONFIG', problems.join('; '));
  return {
    webhookUrl: s.SLACK_WEBHOOK_URL,
    channel: s.SLACK_CHANNEL || undefined,
    username: s.SLACK_USERNAME || undefined,
    iconEmoji: s.SLACK_ICON_EMOJI || undefined,
    timeoutMs,
    maxAttempts: 3,
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

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Whether a URL names this machine (localhost, 127.0.0.0/8, ::1): the sandbox, never a real API. */
export function isLoopbackUrl(value: string): boolean {
  try {
    return LOOPBACK.test(new URL(value).hostname);
  } catch {
    return false;
  }
}

/** https:// anywhere; http:// only to loopback, so credentials never cross a network in clear. */
export function checkUrl(name: string, value: string, problems: string[], secret = false): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} is not a URL${secret ? '' : ` (${value})`}`);
    return value;
  }
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return value;
  const shown = secret ? `${url.protocol}//…` : value;
  problems.push(url.protocol === 'http:'
    ? `${name} uses http:// to a non-loopback host (${shown}); use https://`
    : `${name} must be an https:// URL (${shown})`);
  return value;
}

export function parseBoolean(name: string, value: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(true|yes|1|on)$/i.test(value)) return true;
  if (/^(false|no|0|off)$/i.test(value)) return false;
  problems.push(`${name} must be true or false (got ${value})`);
  return fallback;
}
