/**
 * Reads a request body, keeping at most `limit` bytes but draining the rest, so that a huge body
 * gets a 413 answer instead of a reset connection, and memory stays bounded.
 */
import type { IncomingMessage } from 'node:http';

export interface ReadBody {
  body: Buffer;
  tooLarge: boolean;
  /** The client went away before the body ended: there is nobody to answer. */
  aborted: boolean;
}

export function readBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let tooLarge = false;
    let settled = false;
    const finish = (aborted: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ body: Buffer.concat(chunks), tooLarge, aborted });
    };
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      if (kept + chunk.length > limit) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
      kept += chunk.length;
    });
    req.on('end', () => finish(false));
    req.on('error', () => finish(true));
    req.on('close', () => finish(!req.complete));
  });
}
