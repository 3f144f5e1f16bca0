/**
 * The Microsoft Teams message for a Workflows webhook ("Post to a channel when a webhook request
 * is received"), as pure functions: a `message` with one Adaptive Card attachment holding a title
 * in the tone's colour, the summary, and the Slack message's fields as a FactSet.
 */
import type { MessageFacts, Tone } from './message-facts.js';

export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';
/** 1.4 is what Teams renders everywhere (desktop, web, mobile). */
const ADAPTIVE_CARD_VERSION = '1.4';

export interface TeamsPayload {
  type: 'message';
  attachments: Array<{ contentType: typeof ADAPTIVE_CARD_TYPE; contentUrl: null; content: AdaptiveCard }>;
}

interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  body: Array<Record<string, unknown>>;
  msteams: { width: 'Full' };
}

/** Adaptive Card text colours: good (green), attention (red), default. */
const COLORS: Record<Tone, string> = { success: 'Good', failure: 'Attention', neutral: 'Default' };

/** Teams reads TextBlock text as Markdown: escape what would turn a domain or error into formatting. */
function escapeTeams(text: string): string {
  return text.replace(/[\\*_`[\]<>#]/g, (c) => `\\${c}`);
}

/** Any event's facts as one Adaptive Card message. */
export function teamsPayload(m: MessageFacts): TeamsPayload {
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    body: [
      {
        type: 'TextBlock',
        text: escapeTeams(m.title),
        weight: 'Bolder',
        size: 'Medium',
        color: COLORS[m.tone],
        wrap: true,
      },
      { type: 'TextBlock', text: escapeTeams(m.summary), wrap: true },
      { type: 'FactSet', facts: m.facts.map((f) => ({ title: escapeTeams(f.name), value: escapeTeams(f.value) })) },
      {
        type: 'TextBlock',
        text: `${escapeTeams(m.footer)} · ${m.at.toISOString()}`,
        isSubtle: true,
        size: 'Small',
        wrap: true,
      },
    ],
    msteams: { width: 'Full' },
  };
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_TYPE, contentUrl: null, content: card }] };
}
