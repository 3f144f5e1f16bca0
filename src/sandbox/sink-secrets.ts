/**
 * The secrets in the sandbox's notifier URLs (Slack's webhook path, Discord's webhook token,
 * Teams' workflow id and `sig`, the Telegram bot token, the webhook receiver's path and signing
 * secret), as each sink defines them. Made at random at the first start; a state file keeps them
 * (as NAME + Key: slackPath, teamsSig...), so a config pointing at the sandbox keeps working across
 * restarts. Each has the shape of the real service's, which the state file is checked against before
 * it is trusted.
 */
import type { SinkDefinition } from './sink-definition.js';
import { SINKS, type SinkSecrets } from './sinks.js';

export type { SinkSecrets } from './sinks.js';

/** Every secret: its name in the state file, its sink's own name for it, and its definition. */
const SECRETS = SINKS.flatMap((sink: SinkDefinition) =>
  Object.entries(sink.secrets).map(([key, secret]) => ({
    name: `${sink.name}${key[0]!.toUpperCase()}${key.slice(1)}` as keyof SinkSecrets,
    sink: sink.name,
    key,
    secret,
  })),
);

export function newSinkSecrets(): SinkSecrets {
  return Object.fromEntries(SECRETS.map(({ name, secret }) => [name, secret.make()])) as SinkSecrets;
}

/** One sink's secrets by its own names for them (`path`, `sig`...). */
export function secretsOf(sink: SinkDefinition, secrets: SinkSecrets): Record<string, string> {
  return Object.fromEntries(SECRETS.filter((s) => s.sink === sink.name).map((s) => [s.key, secrets[s.name]]));
}

/**
 * The secrets a state file holds, or the names of those that are not of their shape. A file from
 * before the sandbox kept more than the Slack path lacks the others: those are made anew.
 */
export function readSinkSecrets(value: unknown): { secrets: SinkSecrets } | { broken: string[] } {
  const given = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const fresh = newSinkSecrets();
  const broken = SECRETS.filter(({ name, secret }) => {
    const v = given[name];
    if (v === undefined && !secret.required) return false;
    return typeof v !== 'string' || !secret.shape.test(v);
  }).map(({ name }) => name);
  if (broken.length > 0) return { broken };
  const secrets = { ...fresh };
  for (const { name } of SECRETS) if (typeof given[name] === 'string') secrets[name] = given[name];
  return { secrets };
}

/** The sinks' secrets out of a larger object that holds them (the state file's endpoints). */
export function pickSinkSecrets(from: SinkSecrets): SinkSecrets {
  return Object.fromEntries(SECRETS.map(({ name }) => [name, from[name]])) as SinkSecrets;
}
