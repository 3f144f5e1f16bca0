/**
 * Starts the sandbox: one HTTP server on 127.0.0.1 serving the Beluga API and every notifier's
 * sink, recording every request and letting an interceptor (a test harness) answer otherwise
 * before normal handling; with a state file, a restart keeps its records, ports and Slack path.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { handleApi } from './api-handler.js';
import { createNotifySinks, sinkFor, sinkLogPath, sinkTooLargeReply } from './notify-sinks.js';
import { RecordStore } from './record-store.js';
import { readBody } from './read-body.js';
import { listenOnLoopback } from './listen.js';
import { startEdge, type SandboxEdge } from './edge-server.js';
import { failureReply, sendReply, type Reply } from './reply.js';
import { loadState, saveState, type Endpoints } from './state-file.js';
import { newSinkSecrets, pickSinkSecrets } from './sink-secrets.js';
import type { RecordedRequest, Sandbox, SandboxOptions, SandboxRecord, SeedRecord } from './types.js';

/** Bodies past this are answered 413 (a certificate upload is a few KiB). */
const MAX_BODY_BYTES = 1024 * 1024;

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const now = options.now ?? (() => new Date());
  const { statePath } = options;
  const stored = statePath === undefined ? undefined : loadState(statePath);
  let endpoints: Endpoints | undefined = stored?.endpoints;
  const persist = (records: SandboxRecord[]) => {
    if (statePath !== undefined) saveState(statePath, { endpoints, certificates: records });
  };
  // eslint-disable-next-line prefer-const -- the store's onChange closure reads it before the edge starts
  let edge: SandboxEdge | undefined;
  const entries = (stored?.certificates ?? options.records ?? []) as Array<SeedRecord & Partial<SandboxRecord>>;
  const numericIds = options.numericIds ?? false;
  const store = new RecordStore({ persist, numericIds, now, onChange: (r) => edge?.changed(r) }, entries);
  edge = await onRememberedPort(options.edge?.port, endpoints?.edgePort, 'TLS edge', options.log, (port) =>
    startEdge(store.snapshot(), { ...options.edge, port }),
  );
  const requests: RecordedRequest[] = [];
  const secrets = endpoints === undefined ? newSinkSecrets() : pickSinkSecrets(endpoints);
  const notify = createNotifySinks(now, secrets);
  const sockets = new Set<Socket>();
  const cancels = new Set<() => void>();

  /** Resolves true after `ms`, or false at once when the sandbox closes first. */
  const delay = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const cancel = () => {
        clearTimeout(timer);
        cancels.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        cancels.delete(cancel);
        resolve(true);
      }, ms);
      cancels.add(cancel);
    });

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const path = target.split('?')[0] as string;
    const sink = sinkFor(path);
    res.on('close', () =>
      options.log?.(`${method} ${sink ? sinkLogPath(sink) : path} ${res.headersSent ? res.statusCode : 'dropped'}`),
    );
    const { body, tooLarge, aborted } = await readBody(req, MAX_BODY_BYTES);
    const headers = flattenHeaders(req.headers);
    const recorded = { method, path: target, headers, body: body.toString('utf8'), at: new Date() };
    if (sink) notify.record(sink, recorded);
    else requests.push(recorded);
    if (aborted) return;
    const interception = options.intercept?.({ target: sink ?? 'api', request: recorded });
    const delayMs = interception?.delayMs ?? 0;
    if (delayMs > 0 && !(await delay(delayMs))) return;
    if (interception?.drop) {
      req.socket.destroy();
      return;
    }
    let reply: Reply | undefined = interception?.reply;
    if (!reply && tooLarge) {
      reply = sink
        ? sinkTooLargeReply(sink, MAX_BODY_BYTES)
        : failureReply(413, 'payload_too_large', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
    }
    if (!reply && sink)
      reply = notify.handle(sink, {
        method,
        path,
        query: new URLSearchParams(target.split('?')[1] ?? ''),
        headers,
        body,
      });
    reply ??= handleApi({ method, target, headers, body }, { store, credentials: options.credentials, now });
    const answerDelayMs = interception?.answerDelayMs ?? 0;
    if (answerDelayMs > 0 && !(await delay(answerDelayMs))) return;
    if (interception?.lostAnswer) {
      req.socket.destroy();
      return;
    }
    sendReply(res, reply, interception?.headers);
  };

  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      // Never crash the test run: any bug becomes a 500 the client must cope with anyway.
      sendReply(res, failureReply(500, 'internal_error', 'the sandbox failed to handle this request'));
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket: Socket) => {
    const body = JSON.stringify({ result: 'failure', message: 'malformed HTTP request', error: 'bad_request' });
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  });

  const port = await onRememberedPort(options.port, endpoints?.port, 'API', options.log, (p) =>
    listenOnLoopback(server, p),
  ).catch(async (err: unknown) => {
    await edge!.close();
    throw err;
  });
  const url = `http://127.0.0.1:${port}`;
  if (statePath !== undefined) {
    // Written now, not at the first change: the next start must find the same ports and URLs.
    endpoints = { port, edgePort: edge.port, ...secrets };
    try {
      persist(store.snapshot());
    } catch (err) {
      // As before the sandbox remembered its ports: it serves, and each change answers 500.
      const why = (err as NodeJS.ErrnoException).code ?? String(err);
      options.log?.(`the state file cannot be written (${why}): changes will fail`);
    }
  }

  const sinks = notify.describe(url);
  return {
    url,
    slackUrl: sinks.slack.url,
    records: () => store.snapshot(),
    requests,
    slackRequests: sinks.slack.requests,
    slackMessages: sinks.slack.messages,
    notify: sinks,
    edgeAddress: `127.0.0.1:${edge.port}`,
    edgeHandshakes: edge.handshakes,
    close: () =>
      Promise.all([
        edge!.close(),
        new Promise<void>((resolve) => {
          for (const cancel of [...cancels]) cancel();
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
      ]).then(() => undefined),
  };
}

/**
 * Starts a listener on `given` when it names a port, else on the one a state file remembers (any
 * free one when that is taken meanwhile, said in the log), else on any free port.
 */
async function onRememberedPort<T>(
  given: number | undefined,
  remembered: number | undefined,
  what: string,
  log: ((line: string) => void) | undefined,
  listen: (port: number) => Promise<T>,
): Promise<T> {
  if ((given !== undefined && given !== 0) || remembered === undefined) return listen(given ?? 0);
  try {
    return await listen(remembered);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log?.(`the ${what}'s port ${remembered} from the state file is taken; listening on another one`);
    return listen(0);
  }
}

/** Lower-case names, repeated headers joined with ", " (node gives arrays for a few). */
function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
