/**
 * Start-up: each hook (as far as its first file read: the adapter, the whole deploy pipeline
 * loaded, then a missing certificate file stops it before any network) and `beluga-cert
 * --version`, interleaved with `node -e 0`; the median of per-pair ratios.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, cleanEnv, median, run } from './child.mjs';

const SETTINGS = { BELUGA_BASE_URL: 'http://127.0.0.1:9', BELUGA_USERNAME: 'bench', BELUGA_PASSWORD: 'bench-password' };

function subjects(state) {
  const env = (extra) => cleanEnv({ BELUGA_HOOK_STATE_DIR: state, ...SETTINGS, ...extra });
  return [
    {
      what: 'start-up: hooks/lego',
      file: join(ROOT, 'hooks/lego'),
      args: [],
      env: env({
        LEGO_CERT_DOMAIN: 'example.com',
        LEGO_CERT_PATH: '/nonexistent/bench.crt',
        LEGO_CERT_KEY_PATH: '/nonexistent/bench.key',
      }),
      code: 10,
    },
    {
      what: 'start-up: hooks/certbot',
      file: join(ROOT, 'hooks/certbot'),
      args: [],
      env: env({ RENEWED_LINEAGE: '/nonexistent/live/example.com', RENEWED_DOMAINS: 'example.com' }),
      code: 10,
    },
    {
      what: 'start-up: hooks/dehydrated',
      file: join(ROOT, 'hooks/dehydrated'),
      args: [
        'deploy_cert',
        'example.com',
        '/nonexistent/k',
        '/nonexistent/c',
        '/nonexistent/f',
        '/nonexistent/ch',
        '1',
      ],
      env: env({}),
      code: 10,
    },
    {
      what: 'start-up: beluga-cert --version',
      file: join(ROOT, 'bin/beluga-cert'),
      args: ['--version'],
      env: env({}),
      code: 0,
    },
  ];
}

export async function benchStartup(runs) {
  const state = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  const ref = () => run(process.execPath, ['-e', '0'], cleanEnv());
  const rows = [];
  for (const s of subjects(state)) {
    const go = () => run(s.file, s.args, s.env);
    await go();
    await ref(); // warm the file cache for both sides
    const mine = [];
    const refs = [];
    const ratios = [];
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first, so neither side always follows the other.
      let a;
      let b;
      if (i % 2) {
        a = await ref();
        b = await go();
      } else {
        b = await go();
        a = await ref();
      }
      if (b.code !== s.code)
        throw new Error(`${s.what}: exit ${b.code}, expected ${s.code}: ${b.stderr.slice(0, 300)}`);
      mine.push(b.ms);
      refs.push(a.ms);
      ratios.push(b.ms / a.ms);
    }
    rows.push({
      what: s.what,
      measured: `${median(mine).toFixed(0)} ms`,
      reference: `node -e 0: ${median(refs).toFixed(0)} ms`,
      ratio: median(ratios),
      target: '≤ 1.5×',
      holds: median(ratios) <= 1.5,
    });
  }
  return rows;
}
