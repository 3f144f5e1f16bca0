/**
 * The secrets in the sandbox's notifier URLs (Slack's webhook path, Discord's webhook token,
 * Teams' workflow id and `sig`, the Telegram bot token, the webhook receiver's path and signing
 * secret). Made at random at the first start; a state file keeps them, so a config pointing at the
 * sandbox keeps working across restarts. Each has the shape of the real service's, which the state
 * file is checked against before it is trusted.
 */
import { randomBytes } from 'node:crypto';

export interface SinkSecrets {
  slackPath: string;
  discordToken: string;
  teamsId: string;
  teamsSig: string;
  telegramToken: string;
  webhookPath: string;
  webhookSecret: string;
}

const SHAPES: Record<keyof SinkSecrets, RegExp> = {
  slackPath: /^\/slack\/services\/T00000000\/B00000000\/[0-9a-f]{24}$/,
  discordToken: /^[0-9a-f]{60}-[0-9a-f]{8}$/,
  teamsId: /^[0-9a-f]{32}$/,
  teamsSig: /^[A-Za-z0-9_-]{43}$/,
  telegramToken: /^7000000001:AA[A-Za-z0-9_-]{32}$/,
  webhookPath: /^\/webhook\/[0-9a-f]{24}$/,
  webhookSecret: /^[0-9a-f]{64}$/,
};

export function newSinkSecrets(): SinkSecrets {
  const hex = (n: number) => randomBytes(n).toString('hex');
  return {
    slackPath: `/slack/services/T00000000/B00000000/${hex(12)}`,
    discordToken: `${hex(30)}-${hex(4)}`,
    teamsId: hex(16),
    teamsSig: randomBytes(32).toString('base64url'),
    telegramToken: `7000000001:AA${randomBytes(24).toString('base64url')}`,
    webhookPath: `/webhook/${hex(12)}`,
    webhookSecret: hex(32),
  };
}

/**
 * The secrets a state file holds, or the names of those that are not of their shape. A file from
 * before the sandbox kept more than the Slack path lacks the others: those are made anew.
 */
export function readSinkSecrets(value: unknown): { secrets: SinkSecrets } | { broken: string[] } {
  const given = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const fresh = newSinkSecrets();
  const names = Object.keys(SHAPES) as Array<keyof SinkSecrets>;
  const broken = names.filter((name) => {
    const v = given[name];
    if (v === undefined && name !== 'slackPath') return false;
    return typeof v !== 'string' || !SHAPES[name].test(v);
  });
  if (broken.length > 0) return { broken };
  const secrets = { ...fresh };
  for (const name of names) if (typeof given[name] === 'string') secrets[name] = given[name];
  return { secrets };
}

/** The sinks' secrets out of a larger object that holds them (the state file's endpoints). */
export function pickSinkSecrets(from: SinkSecrets): SinkSecrets {
  const picked = {} as Record<string, string>;
  for (const name of Object.keys(SHAPES) as Array<keyof SinkSecrets>) picked[name] = from[name];
  return picked as unknown as SinkSecrets;
}
