/**
 * `beluga-cert sync --dir` over N local certificates (a cert-manager-like folder) against a
 * sandbox holding N records, all unchanged (the journal says each is deployed) and 5% changed
 * (no journal entry: new renewals). Wall time, requests made, peak RSS; growth between sizes.
 */
import { X509Certificate } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, cleanEnv, median, run } from './child.mjs';
import { certMaker } from './make-certs.mjs';

const TOKEN = { tokenId: 'bench-id', tokenSecret: 'bench-secret-0123456789' };
const domain = (i) => `host-${i}.bench.test`;
const recordId = (i) => String(100000 + i);

/** Certificates for the largest size, made once; each size uses the first N. */
export function makeCerts(max, log) {
  const maker = certMaker();
  const started = Date.now();
  const pems = [];
  for (let i = 0; i < max; i++) pems.push(maker.cert([domain(i)], new Date(Date.UTC(2025, 0, 1)), 1000 + i));
  log(`made ${max} certificates in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { keyPem: maker.keyPem, placeholder: maker.cert(['placeholder.bench.test']), pems };
}

/** The store folder for N certificates and the two journals (all deployed; all but `changed`). */
export async function prepare(work, certs, n, changed) {
  const dir = join(work, `store-${n}`);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const sub = join(dir, `secret-${String(i).padStart(5, '0')}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'tls.crt'), certs.pems[i]);
    writeFileSync(join(sub, 'tls.key'), certs.keyPem, { mode: 0o600 });
  }
  const { openJournal, journalKey } = await import(join(ROOT, 'dist/journal/index.js'));
  const journals = {};
  for (const [label, skip] of [
    ['unchanged', 0],
    ['5% changed', changed],
  ]) {
    const state = join(work, `journal-${n}-${skip}`);
    mkdirSync(state, { recursive: true, mode: 0o700 });
    const journal = await openJournal(state, { now: () => new Date(), onWarning: () => undefined });
    for (let i = skip; i < n; i++) {
      const x = new X509Certificate(certs.pems[i]);
      const sub = join(dir, `secret-${String(i).padStart(5, '0')}`);
      await journal.write({
        key: journalKey({ domain: domain(i) }),
        domain: domain(i),
        attempts: [],
        deployed: {
          fingerprint256: x.fingerprint256,
          notBefore: new Date(x.validFrom).toISOString(),
          notAfter: new Date(x.validTo).toISOString(),
          names: [domain(i)],
          at: new Date().toISOString(),
          recordId: recordId(i),
          files: { cert: join(sub, 'tls.crt'), key: join(sub, 'tls.key') },
        },
      });
    }
    journals[label] = state;
  }
  return { dir, journals };
}

/** Rows of { n, scenario, ms, requests, rssKb, summary } (medians over `reps` runs). */
export async function benchSync(certs, sizes, reps, log) {
  const { startSandbox } = await import(join(ROOT, 'dist/sandbox/index.js'));
  const work = mkdtempSync(join(tmpdir(), 'bench-sync-'));
  const results = [];
  try {
    for (const n of sizes) {
      const changed = Math.round(n * 0.05);
      const { dir, journals } = await prepare(work, certs, n, changed);
      for (const [scenario, journal] of Object.entries(journals)) {
        const times = [];
        const rss = [];
        let requests = 0;
        let summary = '';
        for (let r = 0; r < reps; r++) {
          // A fresh sandbox and journal copy per run: every run starts from the same state.
          const records = Array.from({ length: n }, (_, i) => ({
            id: recordId(i),
            site: 's',
            certificate: certs.placeholder,
            key: certs.keyPem,
            names: [domain(i)],
          }));
          const sb = await startSandbox({ credentials: TOKEN, records });
          const state = join(work, `state-${n}-${r}-${scenario.length}`);
          cpSync(journal, state, { recursive: true });
          try {
            const env = cleanEnv({
              BELUGA_BASE_URL: sb.url,
              BELUGA_TOKEN_ID: TOKEN.tokenId,
              BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
              SLACK_WEBHOOK_URL: sb.slackUrl,
              BELUGA_HOOK_STATE_DIR: state,
            });
            const res = await run(join(ROOT, 'dist/cli.js'), ['sync', '--dir', dir], env, { rss: true });
            if (res.code !== 0) throw new Error(`sync ${n} ${scenario}: exit ${res.code}: ${res.stderr.slice(0, 500)}`);
            const want =
              scenario === 'unchanged'
                ? `sync: 0 deployed, ${n} unchanged`
                : `sync: ${changed} deployed, ${n - changed} unchanged`;
            summary = (res.stdout.match(/^sync: \d+ deployed.*$/m) ?? ['?'])[0];
            if (!summary.startsWith(want))
              throw new Error(`sync ${n} ${scenario}: "${summary}", expected "${want} ..."`);
            times.push(res.ms);
            rss.push(res.rssKb);
            requests = sb.requests.length + sb.slackRequests.length;
          } finally {
            await sb.close();
            rmSync(state, { recursive: true, force: true });
          }
        }
        log(
          `sync ${n} ${scenario}: ${median(times).toFixed(0)} ms, ${requests} requests, ${(median(rss) / 1024).toFixed(1)} MB (${summary})`,
        );
        results.push({ n, scenario, ms: median(times), requests, rssKb: Math.max(...rss), summary });
      }
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}
