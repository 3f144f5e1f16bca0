/**
 * A bare HTTP or HTTPS server on 127.0.0.1 whose answers a test writes byte by byte: the answers
 * the sandbox will not give (a list holding ids past 2^53, a body that never ends, a redirect, a
 * self-signed certificate). Records each request with its body before calling the test's answer.
 */
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Socket } from 'node:net';
import { listenOnLoopback } from '../../src/sandbox/listen.js';

interface RawRequest {
  method: string;
  path: string;
  body: string;
}

export interface RawServer {
  url: string;
  requests: RawRequest[];
  close(): Promise<void>;
}

export type Answer = (req: RawRequest, res: ServerResponse) => void;

export async function startRawServer(answer: Answer, tls?: { cert: string; key: string }): Promise<RawServer> {
  const requests: RawRequest[] = [];
  const sockets = new Set<Socket>();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      answer(recorded, res);
    });
    // A client that stops reading (a capped body) resets the connection: not the test's failure.
    res.on('error', () => undefined);
  };
  const server = tls ? createHttps(tls, handle) : createHttp(handle);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A refused handshake is what some tests want; it must not crash the test process.
  server.on('tlsClientError', () => undefined);
  const port = await listenOnLoopback(server, 0);
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A Beluga list answer written as raw JSON text (ids stay exactly as the test spells them). */
export function listText(entries: Array<{ id: string; names: string[] }>): string {
  const items = entries.map((e) => `{"id":${e.id},"names":${JSON.stringify(e.names)}}`);
  return `{"count":${entries.length},"certificates":[${items.join(',')}]}`;
}

export function sendJson(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
