/**
 * Starts the sandbox: one HTTP server on 127.0.0.1 serving the Beluga API and every notifier's
 * sink, recording every request and applying queued faults (or else seeded chaos) before normal
 * handling.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { handleApi } from './api-handler.js';
import { createNotifySinks, sinkFor, sinkLogPath, sinkTooLargeReply } from './notify-sinks.js';
import { faultReply } from './fault-reply.js';
import { FaultQueue } from './fault-queue.js';
import { Chaos } from './chaos.js';
import { RecordStore } from './record-store.js';
import { readBody } from './read-body.js';
import { listenOnLoopback } from './listen.js';
import { startEdge, type SandboxEdge } from './edge-server.js';
import { failureReply, sendReply, type Reply } from './reply.js';
import type { RecordedRequest, Sandbox, SandboxOptions } from './types.js';

/** Bodies past this are answered 413 (a certificate upload is a few KiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const now = options.now ?? (() => new Date());
  // Built first so that bad chaos options fail the start, not a request.
  const chaos = options.chaos && new Chaos(options.chaos);
  let edge: SandboxEdge | undefined;
  const store = new RecordStore({ statePath: options.statePath, numericIds: options.numericIds ?? false, now, onChange: (r) => edge?.changed(r) }, options.records ?? []);
  edge = await startEdge(store.snapshot(), options.edge);
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const notify = createNotifySinks(now);
  const sockets = new Set<Socket>();
  const cancels = new Set<() => void>();

  /** Resolves true after `ms`, or false at once when the sandbox closes first. */
  const delay = (ms: number) => new Promise<boolean>((resolve) => {
    const cancel = () => { clearTimeout(timer); cancels.delete(cancel); resolve(false); };
    const timer = setTimeout(() => { cancels.delete(cancel); resolve(true); }, ms);
    cancels.add(cancel);
  });

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const path = target.split('?')[0] as string;
    const sink = sinkFor(path);
    res.on('close', () => options.log?.(`${method} ${sink ? sinkLogPath(sink) : path} ${res.headersSent ? res.statusCode : 'dropped'}`));
    const { body, tooLarge, aborted } = await readBody(req, MAX_BODY_BYTES);
    const headers = flattenHeaders(req.headers);
    const recorded = { method, path: target, headers, body: body.toString('utf8'), at: new Date() };
    if (sink) notify.record(sink, recorded);
    else requests.push(recorded);
    if (aborted) return;
    // Chaos plays the CDN and Slack only; the other sinks fail when a test queues a fault.
    const chaosTarget = sink === undefined ? 'api' : sink === 'slack' ? 'slack' : undefined;
    const fault = faults.take(sink ?? 'api', method) ?? (chaosTarget && chaos?.next(chaosTarget));
    if (fault?.delayMs !== undefined && fault.delayMs > 0 && !(await delay(fault.delayMs))) return;
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    let reply: Reply | undefined = fault && faultReply(fault, recorded);
    if (!reply && tooLarge) {
      reply = sink ? sinkTooLargeReply(sink, MAX_BODY_BYTES) : failureReply(413, 'payload_too_large', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
    }
    if (!reply && sink) reply = notify.handle(sink, { method, path, query: new URLSearchParams(target.split('?')[1] ?? ''), headers, body });
    reply ??= handleApi({ method, target, headers, body }, { store, credentials: options.credentials, now });
    if (fault?.answerDelayMs !== undefined && fault.answerDelayMs > 0 && !(await delay(fault.answerDelayMs))) return;
    if (fault?.lostAnswer) {
      req.socket.destroy();
      return;
    }
    sendReply(res, reply, fault?.headers);
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
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    } else {
      socket.destroy();
    }
  });

  const port = await listenOnLoopback(server, options.port);
  const url = `http://127.0.0.1:${port}`;
  const sinks = notify.describe(url);

  return {
    url,
    slackUrl: sinks.slack.url,
    records: () => store.snapshot(),
    requests,
    slackRequests: sinks.slack.requests,
    slackMessages: sinks.slack.messages,
    notify: sinks,
    fault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    chaosStats: () => chaos?.stats() ?? { requests: 0, failed: 0, byKind: {} },
    edgeAddress: `127.0.0.1:${edge.port}`,
    edgeHandshakes: edge.handshakes,
    close: () => Promise.all([edge!.close(), new Promise<void>((resolve) => {
      for (const cancel of [...cancels]) cancel();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    })]).then(() => undefined),
  };
}

/** Lower-case names, repeated headers joined with ", " (node gives arrays for a few). */
function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
