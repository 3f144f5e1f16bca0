/**
 * The public shapes of the sandbox: a Beluga-compatible API and one sink per notifier on 127.0.0.1
 * that tests (and the `sandbox` CLI command) start, fault and inspect.
 */

import type { RecordedRequest, SinkName } from './sink-definition.js';
import type { NotifySinks } from './sinks.js';
import type { Reply } from './reply.js';

export type { RecordedRequest } from './sink-definition.js';

export interface SandboxCredentials {
  username?: string;
  password?: string;
  tokenId?: string;
  tokenSecret?: string;
}

export interface SeedRecord {
  id?: string | number;
  site?: string;
  certificate: string;
  key?: string;
  chain?: string;
  /** Overrides the names derived from `certificate` (to play a server whose records disagree). */
  names?: string[];
}

export interface SandboxOptions {
  /** 0 (default) = any free port; the server always binds 127.0.0.1. */
  port?: number;
  credentials: SandboxCredentials;
  /** JSON file {"certificates": [...]}: loaded at start if present, rewritten after every change. */
  statePath?: string;
  /** Initial records (ignored when statePath exists). */
  records?: SeedRecord[];
  /** Ids as JSON numbers instead of strings (the wire may do either). */
  numericIds?: boolean;
  /** For Date-header skew checks. */
  now?: () => Date;
  /** One line per request: method, path, status (never a credential, body or webhook token). */
  log?: (line: string) => void;
  /** Called for every request that arrived whole, before it is handled; undefined: handle it normally. */
  intercept?: (request: InterceptedRequest) => Interception | undefined;
  /** The TLS edge beside the API, for the verify step: propagation delay, never, wrong certificates. */
  edge?: EdgeOptions;
}

/** How the sandbox's TLS edge behaves. */
export interface EdgeOptions {
  /** 0 (default) = any free port; always 127.0.0.1. */
  port?: number;
  /** How long after an upload the edge serves the new certificate (default 0: at once). */
  delayMs?: number;
  /** Never switch to an uploaded certificate: the edge keeps the old one (the failure path). */
  never?: boolean;
  /** Served for a name whatever the records hold: a wrong certificate. */
  overrides?: Array<{ name: string; certificate: string; key: string }>;
}

/** One TLS handshake the edge saw: the SNI, and the certificate it handed over (none: refused). */
export interface EdgeHandshake {
  servername: string;
  fingerprint256?: string;
  at: Date;
}

/** A stored certificate: the CERT fields the API answers with, plus what it never answers with. */
export interface SandboxRecord {
  id: string | number;
  site: string;
  common_name: string;
  enabled: boolean;
  cname: string;
  names: string[];
  protocols: string;
  ciphers: string;
  ocsp_expires: string;
  status: string;
  certificate: string;
  chain: string;
  key: string;
}

/** The fields of a CERT object on the wire: never the key (nor the PEM texts). */
export type CertObject = Omit<SandboxRecord, 'certificate' | 'chain' | 'key'>;

/** Which service a request was for: the API, the Slack sink, or one of the other notifier sinks. */
export type RequestTarget = 'api' | SinkName;

/** A request as an interceptor sees it, before the sandbox handles it. */
export interface InterceptedRequest {
  target: RequestTarget;
  request: RecordedRequest;
}

/**
 * What an interceptor makes of a request instead of (or around) the normal handling: the way a
 * harness plays a failing service (test/helpers/sandbox.ts) or a slow network (the benchmark).
 */
export interface Interception {
  /** Wait this long before anything else. */
  delayMs?: number;
  /** Destroy the socket without any answer (after `delayMs`). */
  drop?: boolean;
  /** Answer this instead of handling the request (nothing changes). */
  reply?: Reply;
  /** Added to the answer, e.g. {'Retry-After': '1'}. */
  headers?: Record<string, string>;
  /** Handle the request (a change is applied), then wait this long before answering. */
  answerDelayMs?: number;
  /** Handle the request (a change is applied), then destroy the socket without the answer. */
  lostAnswer?: boolean;
}

export interface Sandbox {
  /** Base URL for BELUGA_BASE_URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** Slack incoming-webhook URL (its last segment plays the secret token). */
  slackUrl: string;
  /** Deep copies, including certificate, chain and key. */
  records(): SandboxRecord[];
  /** Every request to the API (none for a notifier sink), in order. */
  requests: RecordedRequest[];
  /** notify.slack.requests, by its older name. */
  slackRequests: RecordedRequest[];
  /** notify.slack.messages: the parsed payloads the Slack sink accepted. */
  slackMessages: unknown[];
  /** Every notifier sink: its URLs, secrets and what it received. */
  notify: NotifySinks;
  /** The TLS edge, for BELUGA_EDGE_ADDRESS: `127.0.0.1:PORT`. */
  edgeAddress: string;
  /** Every handshake the edge saw, in order. */
  edgeHandshakes: EdgeHandshake[];
  /** Closes the server and any open sockets; resolves promptly even with delayed requests pending. */
  close(): Promise<void>;
}
