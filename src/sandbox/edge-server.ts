/**
 * The sandbox's CDN edge: a TLS server on 127.0.0.1 that serves, per SNI, the certificate
 * and key of the record whose names cover the name (a wildcard covers one label), and switches to
 * an uploaded certificate after a propagation delay, or never. A name it does not serve gets its
 * handshake closed, as an edge without that certificate would.
 */
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import { createSecureContext, createServer, type SecureContext } from 'node:tls';
import { nameCovers } from '../certificate/names.js';
import { listenOnLoopback } from './listen.js';
import type { EdgeHandshake, EdgeOptions, SandboxRecord } from './types.js';

interface Served {
  names: string[];
  certificate: string;
  key: string;
  chain: string;
}

export interface SandboxEdge {
  port: number;
  /** The store's record changed (an upload): serve it after the delay, or never. */
  changed(record: SandboxRecord): void;
  handshakes: EdgeHandshake[];
  close(): Promise<void>;
}

export async function startEdge(initial: SandboxRecord[], options: EdgeOptions = {}): Promise<SandboxEdge> {
  const served = new Map<string, Served>();
  for (const r of initial) if (r.key) served.set(String(r.id), fromRecord(r));
  const overrides = (options.overrides ?? []).map((o) => ({
    names: [o.name],
    certificate: o.certificate,
    key: o.key,
    chain: '',
  }));
  const contexts = new Map<string, SecureContext>();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const handshakes: EdgeHandshake[] = [];

  const pick = (name: string): Served | undefined =>
    overrides.find((o) => o.names.some((n) => nameCovers(n, name))) ??
    [...served.values()].find((s) => s.names.some((n) => nameCovers(n, name)));

  const server = createServer({
    SNICallback: (name, cb) => {
      const s = pick(name);
      handshakes.push({
        servername: name,
        fingerprint256: s ? new X509Certificate(s.certificate).fingerprint256 : undefined,
        at: new Date(),
      });
      if (!s) {
        cb(new Error(`the sandbox edge serves no certificate for ${name}`));
        return;
      }
      let ctx = contexts.get(s.certificate);
      if (!ctx) {
        ctx = createSecureContext({ cert: `${s.certificate.trim()}\n${s.chain.trim()}\n`, key: s.key });
        contexts.set(s.certificate, ctx);
      }
      cb(null, ctx);
    },
  });
  // A refused handshake is the point of some tests, not a sandbox failure.
  server.on('tlsClientError', () => undefined);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listenOnLoopback(server, options.port);

  return {
    port,
    handshakes,
    changed(record) {
      if (options.never || !record.key) return;
      const next = fromRecord(record);
      const delay = options.delayMs ?? 0;
      if (delay <= 0) {
        served.set(String(record.id), next);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        served.set(String(record.id), next);
      }, delay);
      timers.add(timer);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function fromRecord(r: SandboxRecord): Served {
  return { names: [...r.names], certificate: r.certificate, key: r.key, chain: r.chain };
}
