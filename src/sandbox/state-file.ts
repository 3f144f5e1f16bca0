/**
 * The sandbox's state on disk, `{"certificates": [...], "endpoints": {...}}`: the records, and the
 * ports and Slack path a restart reuses so that a config pointing at the sandbox keeps working. It
 * holds private keys, so it is written only as mode 0600, and atomically (temp file in the same
 * directory, then rename) so a reader never sees half a file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Where the sandbox listened: what BELUGA_BASE_URL, SLACK_WEBHOOK_URL and BELUGA_EDGE_ADDRESS name. */
export interface Endpoints {
  port: number;
  edgePort: number;
  slackPath: string;
}

export interface SandboxState {
  certificates: unknown[];
  /** Absent in a file written before the sandbox remembered them. */
  endpoints?: Endpoints;
}

/** The Slack path's shape: its last segment plays the webhook's secret token. */
const SLACK_PATH = /^\/slack\/services\/T00000000\/B00000000\/[0-9a-f]{24}$/;

const isPort = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 65535;

/** The stored state, or undefined when the file does not exist. Throws on a broken file. */
export function loadState(path: string): SandboxState | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(`sandbox state file ${path} is not valid JSON`);
  }
  const { certificates, endpoints } = (parsed ?? {}) as { certificates?: unknown; endpoints?: Partial<Endpoints> };
  if (!Array.isArray(certificates)) {
    throw new Error(`sandbox state file ${path} has no "certificates" array`);
  }
  if (endpoints === undefined) return { certificates };
  const { port, edgePort, slackPath } = endpoints ?? {};
  if (!isPort(port) || !isPort(edgePort) || typeof slackPath !== 'string' || !SLACK_PATH.test(slackPath)) {
    throw new Error(`sandbox state file ${path} has a broken "endpoints" entry (port, edgePort, slackPath)`);
  }
  return { certificates, endpoints: { port, edgePort, slackPath } };
}

/** Writes synchronously so that concurrent requests cannot reorder two snapshots. */
export function saveState(path: string, state: SandboxState): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const text = `${JSON.stringify(state, null, 2)}\n`;
  // 'wx' refuses to follow a planted file or link; mode 0600 applies from the first byte.
  const fd = openSync(temp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
