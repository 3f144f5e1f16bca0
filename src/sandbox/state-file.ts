/**
 * The sandbox's state on disk, `{"certificates": [...], "endpoints": {...}}`: the records, and the
 * ports and notifier URLs' secrets a restart reuses so that a config pointing at the sandbox keeps working. It
 * holds private keys, so it is written only as mode 0600, and atomically (temp file in the same
 * directory, then rename) so a reader never sees half a file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readSinkSecrets, type SinkSecrets } from './sink-secrets.js';

/** Where the sandbox listened: what BELUGA_BASE_URL, BELUGA_EDGE_ADDRESS and every notifier's URL name. */
export interface Endpoints extends SinkSecrets {
  port: number;
  edgePort: number;
}

export interface SandboxState {
  certificates: unknown[];
  /** Absent in a file written before the sandbox remembered them. */
  endpoints?: Endpoints;
}

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
  const { port, edgePort } = endpoints ?? {};
  const sinks = readSinkSecrets(endpoints);
  const broken = [...(isPort(port) ? [] : ['port']), ...(isPort(edgePort) ? [] : ['edgePort'])];
  if ('broken' in sinks) broken.push(...sinks.broken);
  if (broken.length > 0 || !('secrets' in sinks)) {
    throw new Error(
      `sandbox state file ${path} has a broken "endpoints" entry (${broken.join(', ')}); ` +
        'delete the file, or its "endpoints", to start afresh',
    );
  }
  return { certificates, endpoints: { port: port!, edgePort: edgePort!, ...sinks.secrets } };
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
