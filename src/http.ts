/**
 * The one HTTP door of the tool: node-fetch, loaded only when a request is really made (it costs
 * start-up time), every request with a timeout (node-fetch has none by default), and errors that
 * never carry the URL (node-fetch puts it in its messages, and a Slack webhook URL is a secret).
 */

export interface HttpRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
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

/** A transport failure: no answer at all. `kind` says why; the message never holds the URL. */
const TRANSPORT_ERROR = Symbol.for('beluga-cert-hook.TransportError');

export class TransportError extends Error {
  readonly kind: 'timeout' | 'network';
  /** A brand, so `instanceof` also knows one made by another bundle's copy of this class. */
  readonly [TRANSPORT_ERROR] = true;
  constructor(kind: 'timeout' | 'network', message: string) {
    super(message);
    this.name = 'TransportError';
    this.kind = kind;
  }

  /** The hooks send notifications from a second bundle (issue 6), with its own copy of this class. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [TRANSPORT_ERROR]?: unknown })[TRANSPORT_ERROR] === true;
  }
}

/** node-fetch's fetch function. */
export type FetchFunction = typeof import('node-fetch')['default'];

/** The default client, over node-fetch, imported at the first request. */
export const nodeFetchClient: HttpClient = createFetchClient(async () => (await import('node-fetch')).default);

/**
 * A client over node-fetch as `load` provides it: the hook bundles require their own CommonJS
 * copy, so a hook's first request does not start node's ES module loader.
 */
export function createFetchClient(load: () => Promise<FetchFunction>): HttpClient {
  return async (url, request) => {
    const fetch = await load();
    const signal = AbortSignal.timeout(request.timeoutMs);
    try {
      const res = await fetch(url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
        redirect: 'error',
      });
      const text = await res.text();
      return {
        status: res.status,
        header: (name: string) => res.headers.get(name) ?? undefined,
        text,
      };
    } catch (err) {
      if (signal.aborted) {
        throw new TransportError('timeout', `no answer within ${request.timeoutMs / 1000} s`);
      }
      const code = (err as { code?: string }).code;
      throw new TransportError('network', `connection failed${code ? ` (${code})` : ''}`);
    }
  };
}
