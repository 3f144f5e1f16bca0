/**
 * Answers as values: handlers return a Reply and the server writes it, so faults can add headers
 * and handlers stay free of sockets.
 */
import type { ServerResponse } from 'node:http';

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body: JSON.stringify(value), headers: { 'Content-Type': 'application/json', ...headers } };
}

/** The failure shape go-belugacdn reads: {"result":"failure","message":...,"error":...}. */
export function failureReply(
  status: number,
  error: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return jsonReply(status, { result: 'failure', message, error }, headers);
}

export function textReply(status: number, text: string): Reply {
  return { status, body: text, headers: { 'Content-Type': 'text/plain; charset=utf-8' } };
}

/** Writes the reply; `extra` headers (from a fault) win over the reply's own. */
export function sendReply(res: ServerResponse, reply: Reply, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const headers = { ...reply.headers, ...extra, 'Content-Length': String(Buffer.byteLength(reply.body)) };
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}
