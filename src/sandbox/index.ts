/**
 * The Beluga-compatible sandbox: a real local server that `beluga-cert sandbox` and the demo start
 * (tests start it through test/helpers/sandbox.ts, which adds faults and chaos).
 */
export { startSandbox, MAX_BODY_BYTES } from './start-sandbox.js';
export { formatSandboxBanner } from './banner.js';
export { parseHtml as parseTelegramHtml } from './telegram-sink.js';
export type { NotifySink, NotifySinks, SinkName } from './notify-sinks.js';
export {
  tokenSignString,
  tokenSignature,
  parsePythonUtcDate,
  parseTokenDate,
  verifyAuth,
  MAX_SKEW_MS,
} from './verify-auth.js';
export type {
  CertObject,
  EdgeHandshake,
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
export type { Reply } from './reply.js';
