/** What the `sandbox` CLI command prints on start: where to point the tool. */
import type { Sandbox, SandboxRecord } from './types.js';

export function formatSandboxBanner(
  sb: Pick<Sandbox, 'url' | 'slackUrl'> & Partial<Pick<Sandbox, 'notify' | 'edgeAddress' | 'records'>>,
): string[] {
  const n = sb.notify;
  const sinks = n
    ? [
        'Discord, Teams, Telegram and generic webhook sinks:',
        `  DISCORD_WEBHOOK_URL=${n.discord.url}`,
        `  TEAMS_WEBHOOK_URL=${n.teams.url}`,
        `  TELEGRAM_API_URL=${n.telegram.apiUrl} TELEGRAM_BOT_TOKEN=${n.telegram.token} TELEGRAM_CHAT_ID=${n.telegram.chatId}`,
        `  WEBHOOK_URL=${n.webhook.url} WEBHOOK_SECRET=${n.webhook.secret}`,
      ]
    : [];
  return [
    `Beluga API sandbox listening on ${sb.url}`,
    `  BELUGA_BASE_URL=${sb.url}`,
    `Slack webhook sink at ${sb.slackUrl}`,
    `  SLACK_WEBHOOK_URL=${sb.slackUrl}`,
    ...sinks,
    ...(sb.edgeAddress
      ? [
          `TLS edge (serves each record's certificate by SNI) at ${sb.edgeAddress}`,
          `  BELUGA_EDGE_ADDRESS=${sb.edgeAddress}`,
        ]
      : []),
    ...(sb.records ? holding(sb.records()) : []),
  ];
}

const NO_KEY = ' (no key: the edge cannot serve it)';

/** What the sandbox holds, or how a first deploy gets a record when it holds none. */
function holding(records: SandboxRecord[]): string[] {
  if (records.length === 0) {
    return [
      'The sandbox holds no certificates: a first deploy creates one for the site BELUGA_SITE names',
      '  (BELUGA_SITE=my-site), or start it with --seed NAME[,NAME...] or --records FILE',
    ];
  }
  return [
    `The sandbox holds ${records.length} certificate${records.length === 1 ? '' : 's'}:`,
    ...records.map((r) => `  id=${r.id} site=${r.site} ${r.names.join(', ')}${r.key ? '' : NO_KEY}`),
  ];
}
