/**
 * Nothing changed, at hosting-provider scale: `sync --dir` and `status --dir` over N certificates
 * whose journal says each is deployed, against the floor (bench/floor.mjs: one node process
 * reading every file of the same store), interleaved floor, sync, status, ... in one invocation;
 * medians, the ratio of each to the floor's median (target: at most 5×), and peak RSS (target at
 * 10,000: under 150 MB). One sync runs first, unmeasured: it writes the sync index, as the first run
 * of a CronJob does (bench/sync.mjs's rows give a fresh journal copy to every run, so they measure
 * that first run). A fourth side, `renewed`, is a sync with that index where 5% of the certificates
 * are not yet on their records (each run starts from a fresh copy of such a journal): it must make
 * one list call and one PUT per renewed certificate, and what it takes beyond the unchanged sync
 * is theirs. `node bench/scale.mjs 1000 3000` runs it alone (after `npm run build`).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, cleanEnv, median, run } from './child.mjs';
import { makeCerts, prepare } from './sync.mjs';

const TOKEN = { tokenId: 'bench-id', tokenSecret: 'bench-secret-0123456789' };
const FLOOR = fileURLToPath(new URL('./floor.mjs', import.meta.url));
const RATIO_TARGET = 5;
const RSS_TARGET_MB = 150;
const RENEWED = 0.05;

/** Results { n, floorMs, syncMs, statusMs, syncRssKb, statusRssKb, requests } per size. */
export async function benchScale(certs, sizes, reps, log) {
  const { startSandbox } = await import(join(ROOT, 'dist/sandbox/index.js'));
  const work = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const results = [];
  try {
    for (const n of sizes) {
      const renewedCount = Math.round(n * RENEWED);
      const { dir, journals } = await prepare(work, certs, n, renewedCount);
      const records = Array.from({ length: n }, (_, i) => ({
        id: String(100000 + i),
        site: 's',
        certificate: certs.placeholder,
        key: certs.keyPem,
        names: [`host-${i}.bench.test`],
      }));
      const sb = await startSandbox({ credentials: TOKEN, records });
      const state = join(work, `state-${n}`);
      cpSync(journals.unchanged, state, { recursive: true });
      const env = cleanEnv({
        BELUGA_BASE_URL: sb.url,
        BELUGA_TOKEN_ID: TOKEN.tokenId,
        BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
        BELUGA_HOOK_STATE_DIR: state,
      });
      const floor = () => run(process.execPath, [FLOOR, dir], cleanEnv(), { rss: true });
      const sync = async () => {
        const res = await run(join(ROOT, 'dist/cli.js'), ['sync', '--dir', dir], env, { rss: true });
        const summary = (res.stdout.match(/^sync: \d+ deployed.*$/m) ?? ['?'])[0];
        if (res.code !== 0 || !summary.startsWith(`sync: 0 deployed, ${n} unchanged, 0 failed`))
          throw new Error(`sync ${n}: exit ${res.code}, "${summary}": ${res.stderr.slice(0, 500)}`);
        return res;
      };
      const status = async () => {
        const from = sb.requests.length;
        const res = await run(join(ROOT, 'dist/cli.js'), ['status', '--dir', dir, '--json'], env, { rss: true });
        if (res.code !== 0) throw new Error(`status ${n}: exit ${res.code}: ${res.stderr.slice(0, 500)}`);
        const rows = JSON.parse(res.stdout);
        const yes = rows.filter((r) => r.deployed === 'yes').length;
        if (rows.length !== n || yes !== n) throw new Error(`status ${n}: ${rows.length} rows, ${yes} deployed`);
        res.requests = sb.requests.length - from;
        return res;
      };
      const fresh = join(work, `renewed-${n}`);
      const renewed = async () => {
        rmSync(fresh, { recursive: true, force: true });
        cpSync(journals['5% changed'], fresh, { recursive: true });
        cpSync(join(state, 'sync-index.json'), join(fresh, 'sync-index.json'));
        const from = sb.requests.length;
        const res = await run(
          join(ROOT, 'dist/cli.js'),
          ['sync', '--dir', dir],
          { ...env, BELUGA_HOOK_STATE_DIR: fresh },
          { rss: true },
        );
        const summary = (res.stdout.match(/^sync: \d+ deployed.*$/m) ?? ['?'])[0];
        const want = `sync: ${renewedCount} deployed, ${n - renewedCount} unchanged, 0 failed`;
        if (res.code !== 0 || !summary.startsWith(want))
          throw new Error(`renewed sync ${n}: exit ${res.code}, "${summary}": ${res.stderr.slice(0, 500)}`);
        const sent = sb.requests.slice(from);
        res.lists = sent.filter((q) => q.method === 'GET').length;
        res.puts = sent.filter((q) => q.method === 'PUT').length;
        return res;
      };
      try {
        await floor(); // warm the file cache for every side alike
        // The first sync writes the sync index (a CronJob's first run); every later one is measured.
        await sync();
        const t = { floor: [], sync: [], status: [], renewed: [] };
        const rss = { floor: [], sync: [], status: [], renewed: [] };
        const calls = { lists: [], puts: [], status: [] };
        for (let r = 0; r < reps; r++) {
          // Rotate who goes first, so no side always follows another.
          const order = [
            ['floor', floor],
            ['sync', sync],
            ['status', status],
            ['renewed', renewed],
          ];
          for (let k = 0; k < r % order.length; k++) order.push(order.shift());
          for (const [name, go] of order) {
            const res = await go();
            t[name].push(res.ms);
            rss[name].push(res.rssKb);
            if (name === 'status') calls.status.push(res.requests);
            if (name === 'renewed') {
              calls.lists.push(res.lists);
              calls.puts.push(res.puts);
            }
          }
        }
        const result = {
          n,
          floorMs: median(t.floor),
          syncMs: median(t.sync),
          statusMs: median(t.status),
          floorRssKb: Math.max(...rss.floor),
          syncRssKb: Math.max(...rss.sync),
          statusRssKb: Math.max(...rss.status),
          renewed: {
            count: renewedCount,
            ms: median(t.renewed),
            rssKb: Math.max(...rss.renewed),
            // The most any run made: each must be one list and one PUT per renewed certificate.
            lists: Math.max(...calls.lists),
            puts: Math.max(...calls.puts),
            exact: calls.lists.every((l) => l === 1) && calls.puts.every((p) => p === renewedCount),
          },
          // status lists once per run; an unchanged sync asks nothing
          requests: { sync: 0, status: Math.max(...calls.status) },
        };
        const side = (ms) => `${ms.toFixed(0)} ms (${(ms / result.floorMs).toFixed(2)}×)`;
        const mb = (kb) => (kb / 1024).toFixed(0);
        log(
          `scale ${n}: floor ${result.floorMs.toFixed(0)} ms, sync ${side(result.syncMs)}, ` +
            `status ${side(result.statusMs)}, renewed ${side(result.renewed.ms)}, ` +
            `RSS ${mb(result.syncRssKb)}/${mb(result.statusRssKb)}/${mb(result.renewed.rssKb)} MB`,
        );
        results.push(result);
      } finally {
        await sb.close();
        rmSync(dir, { recursive: true, force: true });
        rmSync(state, { recursive: true, force: true });
        rmSync(fresh, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

/** Table rows: sync and status against the floor per size, each with its 5× target and peak RSS. */
export function scaleRows(results) {
  const rows = [];
  for (const r of results) {
    const n = r.n.toLocaleString('en');
    for (const [what, ms, rssKb, req] of [
      ['sync', r.syncMs, r.syncRssKb, r.requests.sync],
      ['status', r.statusMs, r.statusRssKb, r.requests.status],
    ]) {
      const ratio = ms / r.floorMs;
      const mb = rssKb / 1024;
      const rssHolds = r.n < 10000 || mb < RSS_TARGET_MB;
      rows.push({
        what: `${what} ${n} certs, unchanged`,
        measured: `${ms.toFixed(0)} ms, ${req} req, ${mb.toFixed(0)} MB`,
        reference: `floor (read every file): ${r.floorMs.toFixed(0)} ms`,
        ratio,
        target: `≤ ${RATIO_TARGET}×${r.n >= 10000 ? `, < ${RSS_TARGET_MB} MB` : ''}`,
        holds: ratio <= RATIO_TARGET && rssHolds,
      });
    }
    const w = r.renewed;
    const beyond = w.ms - r.syncMs;
    rows.push({
      what: `sync ${n} certs, 5% renewed (${w.count.toLocaleString('en')})`,
      measured: `${w.ms.toFixed(0)} ms, ${w.lists} list + ${w.puts} PUT, ${(w.rssKb / 1024).toFixed(0)} MB`,
      reference: `floor: ${r.floorMs.toFixed(0)} ms; unchanged sync: ${r.syncMs.toFixed(0)} ms`,
      ratio: w.ms / r.floorMs,
      extra: `${(beyond / w.count).toFixed(2)} ms per renewed certificate beyond the unchanged sync`,
      target: `1 list + ${w.count} PUT`,
      holds: w.exact,
    });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const log = (line) => process.stderr.write(`bench: ${line}\n`);
  const certs = makeCerts(Math.max(...sizes), log);
  const { formatTable } = await import('./table.mjs');
  console.log(formatTable(scaleRows(await benchScale(certs, sizes, Number(process.env.BENCH_REPS ?? 3), log))));
}
