/** Where to reach the CDN's edge: a pinned `host:port` (BELUGA_EDGE_ADDRESS), or the name's own DNS answer on 443. */

export interface EdgeAddress {
  host: string;
  port: number;
}

const HTTPS_PORT = 443;

/** `host:port`, `1.2.3.4:443` or `[::1]:8443`; undefined when the text is not one (the caller names the setting). */
export function parseEdgeAddress(text: string): EdgeAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}

/** How a line shows the address: brackets around IPv6, as it was written. */
export function formatEdgeAddress(address: EdgeAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** The TCP address for `name`: the pinned edge, or the name itself (resolved by DNS) on 443. */
export function addressFor(name: string, pinned: EdgeAddress | undefined): EdgeAddress {
  return pinned ?? { host: name, port: HTTPS_PORT };
}
