/**
 * The Discord webhook message, as pure functions: one embed with the same fields as the Slack
 * message, the colour as a decimal integer (Discord has no colour names), and no pings ever.
 */
import type { MessageFacts, Tone } from './message-facts.js';

interface DiscordEmbed {
  title: string;
  description: string;
  color: number;
  fields: Array<{ name: string; value: string; inline: boolean }>;
  footer: { text: string };
  timestamp: string;
}

export interface DiscordPayload {
  username?: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: string[] };
}

/** Slack's green, a red like Slack's `danger`, and a grey, as 0xRRGGBB integers. */
export const DISCORD_COLORS: Record<Tone, number> = { success: 0x36a64f, failure: 0xd50200, neutral: 0xa0a0a0 };

/** Discord's embed limits (title 256, description 4096, field value 1024, 25 fields). */
const LIMITS = { title: 256, description: 4096, name: 256, value: 1024, fields: 25 };

/** Backslash before Discord's markdown characters, so `my_site*` is shown as written. */
export function escapeDiscord(text: string): string {
  return text.replace(/[\\*_~`|>[\]#]/g, (c) => `\\${c}`);
}

/** Any event's facts as Discord's webhook takes them, posted under `username` when one is set. */
export function discordPayload(m: MessageFacts, username?: string): DiscordPayload {
  return {
    ...(username ? { username } : {}),
    embeds: [
      {
        title: cut(escapeDiscord(m.title), LIMITS.title),
        description: cut(escapeDiscord(m.summary), LIMITS.description),
        color: DISCORD_COLORS[m.tone],
        fields: m.facts.slice(0, LIMITS.fields).map((f) => ({
          name: cut(escapeDiscord(f.name), LIMITS.name),
          value: cut(escapeDiscord(f.value), LIMITS.value),
          inline: f.short,
        })),
        footer: { text: m.footer },
        timestamp: m.at.toISOString(),
      },
    ],
    // A domain or an error text must never ping @everyone.
    allowed_mentions: { parse: [] },
  };
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
