/** What the `sandbox` CLI command prints on start: where to point the tool. */
import type { Sandbox } from './types.js';

export function formatSandboxBanner(sb: Pick<Sandbox, 'url' | 'slackUrl'>): string[] {
  return [
    `Beluga API sandbox listening on ${sb.url}`,
    `  BELUGA_BASE_URL=${sb.url}`,
    `Slack webhook sink at ${sb.slackUrl}`,
    `  SLACK_WEBHOOK_URL=${sb.slackUrl}`,
  ];
}
