/** What the `sandbox` CLI command prints on start: where to point the tool. */
import type { Sandbox } from './types.js';

export function formatSandboxBanner(sb: Pick<Sandbox, 'url' | 'slackUrl'> & Partial<Pick<Sandbox, 'edgeAddress'>>): string[] {
  return [
    `Beluga API sandbox listening on ${sb.url}`,
    `  BELUGA_BASE_URL=${sb.url}`,
    `Slack webhook sink at ${sb.slackUrl}`,
    `  SLACK_WEBHOOK_URL=${sb.slackUrl}`,
    ...(sb.edgeAddress ? [`TLS edge (serves each record's certificate by SNI) at ${sb.edgeAddress}`, `  BELUGA_EDGE_ADDRESS=${sb.edgeAddress}`] : []),
  ];
}
