/** The Beluga-compatible sandbox: a real local server that tests and the CLI start. */
export { startSandbox, MAX_BODY_BYTES } from './start-sandbox.js';
export { formatSandboxBanner } from './banner.js';
export { parseHtml as parseTelegramHtml } from './telegram-sink.js';
export type { NotifySink, NotifySinks, SinkName } from './notify-sinks.js';
export { tokenSignString, tokenSignature, parsePythonUtcDate, verifyAuth, MAX_SKEW_MS } from './verify-auth.js';
export type {
  CertObject,
  EdgeHandshake,
  EdgeOptions,
  Fault,
  RecordedRequest,
  Sandbox,
  SandboxCredentials,
  SandboxOptions,
  SandboxRecord,
  SeedRecord,
} from './types.js';
