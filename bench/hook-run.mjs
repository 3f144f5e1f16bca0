/**
 * One full hook run (lego v4: read, list, update, Slack) against the sandbox with a delay on
 * every request, interleaved with baseline.sh making the same three requests with curl; the
 * ratio of medians. Then the hook's peak resident memory.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, cleanEnv, median, run } from './child.mjs';

const BASIC = { username: 'bench@example.com', password: 'bench-password-987' };
const fixture = (name) => join(ROOT, 'test/fixtures', name);
const count = (sb) => sb.requests.length + sb.slackRequests.length;

export async function benchHookRun(runs, delayMs) {
  const { startSandbox } = await import(join(ROOT, 'dist/sandbox/index.js'));
  // The same delay on every API and Slack request, as a network between host and services adds.
  const intercept = ({ target }) => (target === 'api' || target === 'slack' ? { delayMs } : undefined);
  const sb = await startSandbox({
    credentials: BASIC,
    intercept,
    records: [
      {
        id: '1001',
        site: 'example-com',
        certificate: readFileSync(fixture('rsa2048.crt'), 'utf8'),
        key: readFileSync(fixture('rsa2048.pkcs1.key'), 'utf8'),
      },
    ],
  });
  const work = mkdtempSync(join(tmpdir(), 'bench-hook-'));
  try {
    const files = {
      crt: join(work, 'example.com.crt'),
      key: join(work, 'example.com.key'),
      issuer: join(work, 'example.com.issuer.crt'),
    };
    copyFileSync(fixture('ec256.bundle.crt'), files.crt);
    copyFileSync(fixture('ec256.sec1.key'), files.key);
    copyFileSync(fixture('chain.pem'), files.issuer);
    const settings = {
      BELUGA_BASE_URL: sb.url,
      BELUGA_USERNAME: BASIC.username,
      BELUGA_PASSWORD: BASIC.password,
      SLACK_WEBHOOK_URL: sb.slackUrl,
    };
    const lego = {
      LEGO_CERT_DOMAIN: 'example.com',
      LEGO_CERT_PATH: files.crt,
      LEGO_CERT_KEY_PATH: files.key,
      LEGO_ISSUER_CERT_PATH: files.issuer,
    };
    // A fresh journal each run: the journal would otherwise (rightly) skip the same certificate.
    const hookEnv = () => cleanEnv({ ...settings, ...lego, BELUGA_HOOK_STATE_DIR: mkdtempSync(join(work, 'state-')) });
    const hook = (opts) => run(join(ROOT, 'hooks/lego'), [], hookEnv(), opts);
    const shell = () =>
      run(
        join(ROOT, 'bench/baseline.sh'),
        [],
        cleanEnv({
          ...settings,
          CERT: files.crt,
          KEY: files.key,
          CHAIN: files.issuer,
          RECORD_ID: '1001',
          DOMAIN: 'example.com',
        }),
      );
    const checked = async (what, p) => {
      const before = count(sb);
      const r = await p;
      if (r.code !== 0) throw new Error(`${what}: exit ${r.code}: ${r.stderr.slice(0, 500)}`);
      if (count(sb) - before !== 3) throw new Error(`${what}: made ${count(sb) - before} requests, not 3`);
      return r;
    };
    await checked('hook', hook());
    await checked('baseline', shell()); // warm-up
    const mine = [];
    const refs = [];
    for (let i = 0; i < runs; i++) {
      if (i % 2) {
        refs.push((await checked('baseline', shell())).ms);
        mine.push((await checked('hook', hook())).ms);
      } else {
        mine.push((await checked('hook', hook())).ms);
        refs.push((await checked('baseline', shell())).ms);
      }
    }
    const rss = [];
    for (let i = 0; i < 5; i++) rss.push((await checked('hook (rss)', hook({ rss: true }))).rssKb);
    const refRss = [];
    for (let i = 0; i < 5; i++)
      refRss.push((await run(process.execPath, ['-e', '0'], cleanEnv(), { rss: true })).rssKb);
    const ratio = median(mine) / median(refs);
    const peakMb = Math.max(...rss) / 1024;
    return [
      {
        what: `full hook run (lego, ${delayMs} ms delay per request)`,
        measured: `${median(mine).toFixed(0)} ms`,
        reference: `curl baseline: ${median(refs).toFixed(0)} ms`,
        ratio,
        target: '≤ 1.3×',
        holds: ratio <= 1.3,
      },
      {
        what: 'peak RSS of one hook run (max of 5)',
        measured: `${peakMb.toFixed(1)} MB`,
        reference: `node -e 0: ${(median(refRss) / 1024).toFixed(1)} MB`,
        ratio: peakMb / (median(refRss) / 1024),
        target: '< 80 MB',
        holds: peakMb < 80,
      },
    ];
  } finally {
    await sb.close();
    rmSync(work, { recursive: true, force: true });
  }
}
