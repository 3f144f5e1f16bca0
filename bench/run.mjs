/**
 * `npm run bench`: start-up, one full hook run, sync at scale and peak memory, each
 * against a reference run side by side in this same invocation (the machines are shared and
 * noisy: absolute times alone say little). Prints one table; exits non-zero only when it cannot
 * run. BENCH_QUICK=1 runs a reduced set (sync at 100 and 1,000 only, fewer repeats).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './child.mjs';
import { benchHookRun } from './hook-run.mjs';
import { benchStartup } from './startup.mjs';
import { benchScale, scaleRows } from './scale.mjs';
import { benchSync, makeCerts } from './sync.mjs';
import { formatTable, syncRows } from './table.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const log = (line) => process.stderr.write(`bench: ${line}\n`);

function preflight() {
  const missing = [];
  for (const tool of ['curl', 'openssl', 'bash', 'base64']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      missing.push(tool);
    }
  }
  for (const file of [
    'dist/cli.js',
    'dist/sandbox/index.js',
    'dist/journal/index.js',
    'hooks/lego',
    'bin/beluga-cert',
  ]) {
    if (!existsSync(join(ROOT, file))) missing.push(`${file} (run npm run build)`);
  }
  if (missing.length) throw new Error(`cannot run: missing ${missing.join(', ')}`);
}

async function main() {
  preflight();
  const started = Date.now();
  const sizes = QUICK ? [100, 1000] : [100, 1000, 10000];
  const runs = QUICK ? 9 : 15;
  const delayMs = 50;
  log(
    `${QUICK ? 'REDUCED set (BENCH_QUICK=1): ' : ''}sync sizes ${sizes.join(', ')}; ${runs} interleaved runs per comparison`,
  );
  log('start-up ...');
  const rows = await benchStartup(runs);
  log('full hook run ...');
  rows.push(...(await benchHookRun(runs, delayMs)));
  log('sync ...');
  const certs = makeCerts(sizes.at(-1), log);
  const sync = await benchSync(certs, sizes, QUICK ? 1 : 3, log);
  rows.push(...syncRows(sync));
  log('sync and status unchanged against the floor ...');
  const scale = await benchScale(certs, QUICK ? [1000] : [3000, 10000], QUICK ? 1 : 3, log);
  rows.push(...scaleRows(scale));
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(
    `beluga-cert-hook bench, ${new Date().toISOString()}, node ${process.version}, ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB` +
      `${QUICK ? ' — REDUCED set (BENCH_QUICK=1): no 10,000 sync' : ''}\n`,
  );
  console.log(formatTable(rows));
  const failing = rows.filter((r) => r.holds === false).length;
  console.log(
    `\n${failing === 0 ? 'every target holds' : `${failing} target(s) do not hold`}; took ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench: ${err && err.message}\n`);
  process.exitCode = 1;
});
