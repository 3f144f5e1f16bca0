/** What the `sandbox` CLI command prints on start: where to point the tool. */
import { SINKS } from './sinks.js';
import type { SinkDefinition } from './sink-definition.js';
import { slackSink } from './slack-sink.js';
import type { Sandbox, SandboxRecord } from './types.js';

/** Slack's URL heads the banner on its own (the sandbox names it as `slackUrl`); the other sinks follow it. */
const OTHER_SINKS: readonly SinkDefinition[] = SINKS.filter((sink) => sink.name !== slackSink.name);

export function formatSandboxBanner(
  sb: Pick<Sandbox, 'url' | 'slackUrl'> & Partial<Pick<Sandbox, 'notify' | 'edgeAddress' | 'records'>>,
): string[] {
  const n = sb.notify;
  const sinks = n
    ? [
        `${listed(OTHER_SINKS.map((sink) => sink.title))} sinks:`,
        ...OTHER_SINKS.map((sink) => settingsLine(sink.settings(n[sink.name]))),
      ]
    : [];
  return [
    `Beluga API sandbox listening on ${sb.url}`,
    `  BELUGA_BASE_URL=${sb.url}`,
    `${slackSink.title} sink at ${sb.slackUrl}`,
    settingsLine(slackSink.settings({ url: sb.slackUrl })),
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

/** `  NAME=value NAME=value`, as a shell takes them. */
function settingsLine(pairs: Array<[string, string]>): string {
  return `  ${pairs.map(([name, value]) => `${name}=${value}`).join(' ')}`;
}

/** "A, B and C". */
function listed(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
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
