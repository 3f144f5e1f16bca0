/**
 * The one HTTP door of the tool: node-fetch, loaded only when a request is really made (it costs
 * start-up time), every request with a timeout (node-fetch has none by default) that also bounds
 * reading the body, a cap on the body's size, certificates always verified, redirects never
 * followed, and errors that never carry the URL (node-fetch puts it in its messages, and a Slack
 * webhook URL is a secret).
 */
import type { Agent } from 'node:https';
import type { Readable } from 'node:stream';

export interface HttpRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** The largest body read, in bytes (decoded); a longer one fails as 'too-large'. Default 1 MiB. */
  maxBytes?: number;
  /**
   * Headers made anew for each attempt when a request is repeated (a signature over the current
   * time: Beluga's token auth signs a Date header, which must not go stale across retries).
   */
  freshHeaders?: () => Record<string, string>;
}

export interface HttpResponse {
  status: number;
  /** Response header by lower-case name, or undefined. */
  header(name: string): string | undefined;
  text: string;
}

export type HttpClient = (url: string, request: HttpRequest) => Promise<HttpResponse>;

/**
 * Why no usable answer came: none in time, no connection (both may pass), or an answer refused
 * unread: a redirect (never followed: the request may carry a key) or a body past its cap.
 */
export type TransportKind = 'timeout' | 'network' | 'redirect' | 'too-large';

/** A transport failure: no usable answer. `kind` says why; the message never holds the URL. */
export class TransportError extends Error {
  readonly kind: TransportKind;
  constructor(kind: TransportKind, message: string) {
    super(message);
    this.name = 'TransportError';
    this.kind = kind;
  }
}

/** Whether trying again may help: a redirect or an oversized body comes back the same. */
export function mayPass(err: TransportError): boolean {
  return err.kind === 'timeout' || err.kind === 'network';
}

/** Notifier answers are a few hundred bytes; callers expecting more (Beluga's list) say so. */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The statuses node-fetch would follow (its isRedirect). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** OpenSSL's verification codes as node names them (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED...). */
const UNTRUSTED = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ISSUER/;

/** node-fetch's fetch function. */
export type FetchFunction = (typeof import('node-fetch'))['default'];

/** The default client, over node-fetch, imported at the first request. */
export const nodeFetchClient: HttpClient = createFetchClient(async () => (await import('node-fetch')).default);

/**
 * A client over node-fetch as `load` provides it: the hook bundles require their own CommonJS
 * copy, so a hook's first request does not start node's ES module loader.
 */
export function createFetchClient(load: () => Promise<FetchFunction>): HttpClient {
  let verifying: Agent | undefined;
  return async (url, request) => {
    const fetch = await load();
    // Loaded here, not at start: a hook's start-up must not pay for node:https.
    const agent = url.startsWith('https:') ? (verifying ??= await verifyingAgent()) : undefined;
    const maxBytes = request.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
    const signal = AbortSignal.timeout(request.timeoutMs);
    try {
      const res = await fetch(url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
        agent,
        redirect: 'manual',
        size: maxBytes,
      });
      if (REDIRECTS.has(res.status)) {
        (res.body as Readable | null)?.destroy(); // unread, it would hold the connection open
        throw new TransportError(
          'redirect',
          `answered HTTP ${res.status}, a redirect to ${targetHost(res.headers.get('location'), url)}, which is never followed`,
        );
      }
      const text = await res.text();
      return {
        status: res.status,
        header: (name: string) => res.headers.get(name) ?? undefined,
        text,
      };
    } catch (err) {
      if (err instanceof TransportError) throw err;
      if (signal.aborted) {
        throw new TransportError('timeout', `no answer within ${request.timeoutMs / 1000} s`);
      }
      if ((err as { type?: string }).type === 'max-size') {
        throw new TransportError('too-large', `the answer is larger than ${sizeText(maxBytes)}; not read further`);
      }
      const code = (err as { code?: string }).code;
      if (code && UNTRUSTED.test(code)) {
        throw new TransportError(
          'network',
          `the server's TLS certificate is not trusted (${code}); a private CA can be added with NODE_EXTRA_CA_CERTS`,
        );
      }
      throw new TransportError('network', `connection failed${code ? ` (${code})` : ''}`);
    }
  };
}

/**
 * An agent that verifies every certificate whatever NODE_TLS_REJECT_UNAUTHORIZED says: an
 * explicit rejectUnauthorized wins over node's default. NODE_EXTRA_CA_CERTS still adds trust.
 */
async function verifyingAgent(): Promise<Agent> {
  const https = await import('node:https');
  return new https.Agent({ rejectUnauthorized: true });
}

/** The host a redirect points to (not the path: that may hold a webhook's secret). */
function targetHost(location: string | null, from: string): string {
  try {
    return location === null ? 'nowhere (no Location)' : new URL(location, from).host;
  } catch {
    return 'an invalid Location';
  }
}

function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
