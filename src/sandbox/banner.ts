/** What the `sandbox` CLI command prints on start: where to point the tool. */
import type { Sandbox } from './types.js';

export function formatSandboxBanner(sb: Pick<Sandbox, 'url' | 'slackUrl'> & Partial<Pick<Sandbox, 'notify' | 'edgeAddress'>>): string[] {
  const n = sb.notify;
  const sinks = n ? [
    'Discord, Teams, Telegram and generic webhook sinks:',
    `  DISCORD_WEBHOOK_URL=${n.discord.url}`,
    `  TEAMS_WEBHOOK_URL=${n.teams.url}`,
    `  TELEGRAM_API_URL=${n.telegram.apiUrl} TELEGRAM_BOT_TOKEN=${n.telegram.token} TELEGRAM_CHAT_ID=${n.telegram.chatId}`,
    `  WEBHOOK_URL=${n.webhook.url} WEBHOOK_SECRET=${n.webhook.secret}`,
  ] : [];
  return [
    `Beluga API sandbox listening on ${sb.url}`,
    `  BELUGA_BASE_URL=${sb.url}`,
    `Slack webhook sink at ${sb.slackUrl}`,
    `  SLACK_WEBHOOK_URL=${sb.slackUrl}`,
    ...sinks,
    ...(sb.edgeAddress ? [`TLS edge (serves each record's certificate by SNI) at ${sb.edgeAddress}`, `  BELUGA_EDGE_ADDRESS=${sb.edgeAddress}`] : []),
  ];
}
