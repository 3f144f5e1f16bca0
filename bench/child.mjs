/**
 * Runs one child process with exactly the given environment and measures its wall time (and,
 * when asked, its peak RSS through the max-rss.cjs preload). Bounded by a kill timer.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./max-rss.cjs', import.meta.url));

/** PATH (node's folder first), HOME, no config file; no NODE_EXTRA_CA_CERTS or other NODE_* for either side. */
export function cleanEnv(extra = {}) {
  return {
    PATH: [dirname(process.execPath), process.env.PATH].join(':'),
    HOME: process.env.HOME ?? '/tmp',
    BELUGA_HOOK_CONFIG: 'none',
    ...extra,
  };
}

/** { ms, code, stdout, stderr, rssKb? }; with `rss`, a node program `file` (or node itself) runs as `node --require max-rss.cjs [file] args`. */
export function run(file, args, env, { rss = false, stdin } = {}) {
  let cmd = file;
  let argv = args;
  let rssFile;
  let rssDir;
  if (rss) {
    rssDir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
    rssFile = join(rssDir, 'kb');
    cmd = process.execPath;
    argv = ['--require', PRELOAD, ...(file === process.execPath ? [] : [file]), ...args];
    env = { ...env, BENCH_RSS_FILE: rssFile };
  }
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = execFile(
      cmd,
      argv,
      { env, timeout: 600_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        let rssKb;
        if (rssFile) {
          try {
            rssKb = Number(readFileSync(rssFile, 'utf8'));
          } catch {
            rssKb = undefined;
          }
          rmSync(rssDir, { recursive: true, force: true });
        }
        resolve({ ms, code, stdout: String(stdout), stderr: String(stderr), rssKb });
      },
    );
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
