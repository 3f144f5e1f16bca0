import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, type CliResult } from './run-cli.js';
import { tempStateDir } from './state-dir.js';

/** Loaded before the CLI: at exit, the process writes its own peak resident size (VmHWM, in KiB). */
const PRELOAD = `process.on('exit', () => {
  const line = require('fs').readFileSync('/proc/self/status', 'utf8').split('\\n').find((l) => l.startsWith('VmHWM:'));
  require('fs').writeFileSync(process.env.PEAK_OUT, line.replace(/\\D+/g, ''));
});`;

const dir = mkdtempSync(join(tmpdir(), 'bch-peak-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const preload = join(dir, 'peak.cjs');
writeFileSync(preload, PRELOAD);
let runs = 0;

/**
 * runCli, plus the child's peak resident memory in MiB, which the child reads from
 * /proc/self/status as it exits (undefined when it never got to exit by itself).
 */
export function runCliMeasured(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult & { peakMiB?: number }> {
  const out = join(dir, `peak-${++runs}`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--require', preload, CLI, ...args],
      {
        env: {
          PATH: process.env.PATH,
          BELUGA_HOOK_CONFIG: 'none',
          BELUGA_HOOK_STATE_DIR: tempStateDir(),
          ...env,
          PEAK_OUT: out,
        },
        timeout: 60_000,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        let peakMiB: number | undefined;
        try {
          peakMiB = Number(readFileSync(out, 'utf8')) / 1024;
        } catch {
          peakMiB = undefined;
        }
        resolve({ code, stdout: String(stdout), stderr: String(stderr), peakMiB });
      },
    );
  });
}
