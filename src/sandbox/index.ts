/**
 * The Beluga-compatible sandbox: a real local server that `beluga-cert sandbox` and the demo start
 * (tests start it through test/helpers/sandbox.ts, which adds faults and chaos).
 */
export { startSandbox } from './start-sandbox.js';
export { formatSandboxBanner } from './banner.js';
export { sinkSettings } from './sinks.js';
export { parseHtml as parseTelegramHtml } from './telegram-sink.js';
export type { SinkName } from './notify-sinks.js';
export { parseTokenDate } from './verify-auth.js';
export type {
  EdgeOptions,
  InterceptedRequest,
  Interception,
  RecordedRequest,
  RequestTarget,
  Sandbox,
  SandboxCredentials,
  SandboxOptions,
  SandboxRecord,
  SeedRecord,
} from './types.js';
