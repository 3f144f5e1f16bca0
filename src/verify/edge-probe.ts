/**
 * One TLS handshake with the edge: connect to an address, send the name as SNI, and read the leaf
 * the edge hands over. No trust check (`rejectUnauthorized: false`): the caller compares SHA-256
 * fingerprints, which is stricter than any chain check. node:tls is loaded only here, only when used.
 */
import { certificateNames } from '../certificate/names.js';
import { formatEdgeAddress, type EdgeAddress } from './edge-address.js';

export interface ServedCertificate {
  ok: true;
  fingerprint256: string;
  names: string[];
  notBefore: Date;
  notAfter: Date;
  /** The leaf as DER, and the certificates the edge sent after it, as DER, leaf-upwards (for a trust check). */
  der?: Buffer;
  chainDer?: Buffer[];
}

export interface ProbeFailure {
  ok: false;
  /** network: no TCP connection (DNS, refused, timeout); handshake: connected, but no certificate came. */
  kind: 'network' | 'handshake';
  /** One line, e.g. "connection refused (127.0.0.1:443)". */
  detail: string;
}

export type ProbeResult = ServedCertificate | ProbeFailure;

/** A probe as the poller calls it (tests may pass their own). */
export type Probe = (name: string, address: EdgeAddress, timeoutMs: number) => Promise<ProbeResult>;

export const probeEdge: Probe = async (name, address, timeoutMs) => {
  const tls = await import('node:tls');
  return new Promise<ProbeResult>((resolve) => {
    let connected = false;
    let settled = false;
    const where = formatEdgeAddress(address);
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = tls.connect({
      host: address.host,
      port: address.port,
      // SNI may not be an IP literal; a name is what a browser sends.
      servername: name,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          kind: connected ? 'handshake' : 'network',
          detail: connected
            ? `no TLS answer within ${Math.round(timeoutMs / 100) / 10} s (${where})`
            : `no connection within ${Math.round(timeoutMs / 100) / 10} s (${where})`,
        }),
      timeoutMs,
    );
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('secureConnect', () => {
      const leaf = socket.getPeerX509Certificate();
      if (!leaf) {
        finish({ ok: false, kind: 'handshake', detail: `the edge sent no certificate (${where})` });
        return;
      }
      finish({
        ok: true,
        fingerprint256: leaf.fingerprint256,
        names: certificateNames(leaf),
        notBefore: new Date(leaf.validFrom),
        notAfter: new Date(leaf.validTo),
        der: leaf.raw,
        chainDer: sentChain(socket.getPeerCertificate(true)),
      });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      finish(
        connected
          ? {
              ok: false,
              kind: 'handshake',
              detail: `the edge closed the TLS handshake for ${name}: it does not serve this name (${err.code ?? err.message}, ${where})`,
            }
          : { ok: false, kind: 'network', detail: `${networkText(err)} (${where})` },
      );
    });
  });
};

/** The issuers node linked behind the leaf (it stops at a self-signed one, which links to itself). */
function sentChain(leaf: import('node:tls').DetailedPeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  let current = leaf;
  for (let i = 0; i < 10 && current.issuerCertificate && current.issuerCertificate !== current; i += 1) {
    current = current.issuerCertificate;
    chain.push(current.raw);
  }
  return chain;
}

function networkText(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOTFOUND':
      return 'the name does not resolve';
    case 'EAI_AGAIN':
      return 'DNS lookup failed for now';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the edge';
    default:
      return err.code ?? err.message.split('\n')[0] ?? 'connection failed';
  }
}
