/**
 * `node bench/tricks.mjs` (after `npm run build`): what each start-up measure is worth, side by
 * side in one run. It builds the hook bundles again in variants (each with one measure taken out,
 * or one alternative put in) and runs them all interleaved, round after round, with `node -e 0`
 * among them; it prints the median time of each and the median of the per-round ratios against
 * the hooks as built. A measure is kept only while it is worth more than ~5% of a hook's start-up.
 * Also: a full lego run against the sandbox (start-up and three requests) for the HTTP and bundle
 * choices, and `beluga-cert --version` by each way it can be answered.
 * BENCH_ROUNDS (default 31) sets the rounds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { hookBuilds } from '../scripts/bundle-hooks.mjs';
import { ROOT, cleanEnv, median, run } from './child.mjs';
import { VARIANT_SOURCES } from './variants.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 31);
const CPU_PRELOAD = join(ROOT, 'bench/cpu-time.cjs');
const cpuFile = join(mkdtempSync(join(tmpdir(), 'bench-cpu-')), 'us');

/** Runs `node file args` and measures its wall time and its CPU time (through the cpu-time.cjs preload). */
async function measure(file, args, env) {
  const r = await run(process.execPath, ['--require', CPU_PRELOAD, ...file, ...args], {
    ...env,
    BENCH_CPU_FILE: cpuFile,
  });
  return { ...r, cpuMs: Number(readFileSync(cpuFile, 'utf8')) / 1000 };
}
const nodeE0 = () => measure(['-e', '0'], [], cleanEnv());
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** Replaces a source file's contents in the bundle (the file's own folder still resolves its imports). */
function substitute(map) {
  return {
    name: 'substitute',
    setup(b) {
      for (const [file, contents] of Object.entries(map)) {
        const path = join(ROOT, file);
        const filter = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
        b.onLoad({ filter }, () => ({ contents, loader: 'ts', resolveDir: join(path, '..') }));
      }
    },
  };
}

const without = (plugins, name) => plugins.filter((p) => p.name !== name);

/**
 * Two bundles per hook, as the hooks were once built: every lazy import of our own code (the
 * notifiers, the edge check) goes into a second file, hook-extras.cjs, required at the first such
 * import, so the main bundle compiles less at start. It has its own copies of shared modules, so an
 * error class crossing over would need a brand to pass `instanceof`: only fit to measure timings.
 */
function extrasApart(found) {
  return {
    name: 'extras-apart',
    setup(b) {
      b.onResolve({ filter: /^\.{1,2}\/.*\.js$/ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const file = join(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
        const key = relative(ROOT, file);
        found.set(key, file);
        return { path: key, namespace: 'hook-extras' };
      });
      b.onLoad({ filter: /.*/, namespace: 'hook-extras' }, (args) => ({
        loader: 'js',
        contents: `module.exports = require('./hook-extras.cjs')[${JSON.stringify(args.path)}];`,
      }));
    },
  };
}

/** Our own modules importing node:fs/promises get the callback-API stand-in instead. */
const fsLite = {
  name: 'fs-lite',
  setup(b) {
    b.onResolve({ filter: /^(node:)?fs\/promises$/ }, (args) =>
      args.importer.startsWith(join(ROOT, 'src')) ? { path: join(ROOT, 'bench/variants/fs-lite.ts') } : undefined,
    );
  },
};

/**
 * The variants, each a change to the builds of scripts/bundle-hooks.mjs: `sources` replace files
 * (bench/variants.mjs), the flags take a plugin out or put one in.
 */
const VARIANTS = {
  'as built': {},
  'as built, a second copy (how far two identical builds differ: the noise)': {},
  'node:crypto loaded at start (no lazy stand-in)': { noLazyCrypto: true },
  'two bundles per hook (notifiers and edge check in hook-extras.cjs)': { twoBundles: true },
  'nodemailer inside the hook bundle (imported lazily)': { mailerInline: true },
  'src/fs-lite.ts (callback fs) instead of node:fs/promises': { fsLite: true },
  'process.stdout/stderr streams instead of fd writes': { sources: ['stdioStreams'] },
  'node-fetch inside the hook bundle (imported lazily)': { sources: ['fetchInline'] },
  "node's built-in fetch instead of node-fetch": { sources: ['builtinFetch'] },
  'none of the kept measures (one plain bundle)': {
    noLazyCrypto: true,
    mailerInline: true,
    sources: ['stdioStreams', 'fetchInline'],
  },
};

async function buildVariant(dir, v) {
  const sources = substitute(Object.assign({}, ...(v.sources ?? []).map((name) => VARIANT_SOURCES[name])));
  const found = new Map();
  const builds = hookBuilds(dir);
  for (const options of builds) {
    let plugins = options.plugins ?? [];
    if (v.noLazyCrypto) plugins = without(plugins, 'lazy-builtins');
    if (v.mailerInline) plugins = without(plugins, 'nodemailer-beside');
    if (v.fsLite) plugins = [...plugins, fsLite];
    if (options === builds[0] && v.twoBundles) plugins = [...plugins, extrasApart(found)];
    // node-fetch bundled in: no longer an external file beside the bundle.
    const external = (options.external ?? []).filter(
      (x) => !(v.sources?.includes('fetchInline') && x === 'node-fetch'),
    );
    await build({ ...options, external: [...external, './hook-extras.cjs'], plugins: [...plugins, sources] });
  }
  if (v.twoBundles) {
    const { entryPoints, outdir, outExtension, ...main } = builds[0];
    const entries = [...found].map(([key, file]) => `${JSON.stringify(key)}: require(${JSON.stringify(file)})`);
    const contents = `module.exports = {${entries.join(', ')}};`;
    await build({
      ...main,
      outfile: join(dir, 'hook-extras.cjs'),
      stdin: { contents, resolveDir: ROOT, loader: 'js' },
      plugins: [...main.plugins, sources],
    });
  }
}

function shuffle(xs) {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * Every subject once per round, in a new random order each round (so that none always follows the
 * same one); per subject the median wall and CPU time, and the medians of the per-round ratios to
 * the first subject.
 */
async function interleave(subjects, rounds, check) {
  const got = subjects.map(() => ({ ms: [], cpu: [], msRatio: [], cpuRatio: [] }));
  for (const s of subjects) check(s, await s.go()); // warm-up, and each variant must work
  for (let r = 0; r < rounds; r++) {
    const res = [];
    for (const i of shuffle(subjects.map((_, k) => k))) {
      res[i] = await subjects[i].go();
      check(subjects[i], res[i]);
    }
    res.forEach((x, i) => {
      got[i].ms.push(x.ms);
      got[i].cpu.push(x.cpuMs);
      got[i].msRatio.push(x.ms / res[0].ms);
      got[i].cpuRatio.push(x.cpuMs / res[0].cpuMs);
    });
  }
  return subjects.map((s, i) => ({
    what: s.what,
    ms: median(got[i].ms),
    cpu: median(got[i].cpu),
    msRatio: median(got[i].msRatio),
    cpuRatio: median(got[i].cpuRatio),
  }));
}

function print(title, results, note) {
  console.log(`\n${title}\n`);
  console.log('| variant | wall | ratio | CPU | ratio |\n| --- | --- | --- | --- | --- |');
  for (const r of results)
    console.log(
      `| ${r.what} | ${r.ms.toFixed(1)} ms | ${r.msRatio.toFixed(3)}× ` +
        `| ${r.cpu.toFixed(1)} ms | ${r.cpuRatio.toFixed(3)}× |`,
    );
  if (note) console.log(`\n${note}`);
}

const LEGO_MISSING = {
  LEGO_CERT_DOMAIN: 'example.com',
  LEGO_CERT_PATH: '/nonexistent/bench.crt',
  LEGO_CERT_KEY_PATH: '/nonexistent/bench.key',
};
const SETTINGS = { BELUGA_BASE_URL: 'http://127.0.0.1:9', BELUGA_USERNAME: 'bench', BELUGA_PASSWORD: 'bench-password' };

async function startup(dirs, state) {
  const env = cleanEnv({ BELUGA_HOOK_STATE_DIR: state, ...SETTINGS, ...LEGO_MISSING });
  const subjects = [
    ...Object.keys(VARIANTS).map((what) => ({
      what: `hooks/lego: ${what}`,
      go: () => measure([join(dirs[what], 'lego.cjs')], [], env),
      code: 10,
    })),
    { what: 'node -e 0', go: nodeE0, code: 0 },
  ];
  return interleave(subjects, ROUNDS, (s, r) => {
    if (r.code !== s.code || (s.code === 10 && !/FILE_UNREADABLE/.test(r.stderr)))
      throw new Error(`${s.what}: exit ${r.code}: ${r.stderr.slice(0, 300)}`);
  });
}

const fixture = (name) => join(ROOT, 'test/fixtures', name);

async function fullRun(dirs, which, work) {
  const { startSandbox } = await import(join(ROOT, 'dist/sandbox/index.js'));
  const basic = { username: 'bench@example.com', password: 'bench-password-987' };
  const sb = await startSandbox({
    credentials: basic,
    records: [
      {
        id: '1001',
        site: 'example-com',
        certificate: readFileSync(fixture('rsa2048.crt'), 'utf8'),
        key: readFileSync(fixture('rsa2048.pkcs1.key'), 'utf8'),
      },
    ],
  });
  try {
    const files = {
      crt: join(work, 'example.com.crt'),
      key: join(work, 'example.com.key'),
      issuer: join(work, 'example.com.issuer.crt'),
    };
    copyFileSync(fixture('ec256.bundle.crt'), files.crt);
    copyFileSync(fixture('ec256.sec1.key'), files.key);
    copyFileSync(fixture('chain.pem'), files.issuer);
    const env = () =>
      cleanEnv({
        BELUGA_BASE_URL: sb.url,
        BELUGA_USERNAME: basic.username,
        BELUGA_PASSWORD: basic.password,
        SLACK_WEBHOOK_URL: sb.slackUrl,
        LEGO_CERT_DOMAIN: 'example.com',
        LEGO_CERT_PATH: files.crt,
        LEGO_CERT_KEY_PATH: files.key,
        LEGO_ISSUER_CERT_PATH: files.issuer,
        // A fresh journal: it would (rightly) skip a deployed certificate.
        BELUGA_HOOK_STATE_DIR: mkdtempSync(join(work, 'state-')),
      });
    const count = () => sb.requests.length + sb.slackRequests.length;
    const subjects = which.map((what) => ({
      what: `hooks/lego, list + update + Slack: ${what}`,
      go: async () => {
        const before = count();
        const r = await measure([join(dirs[what], 'lego.cjs')], [], env());
        return { ...r, requests: count() - before };
      },
    }));
    return await interleave(subjects, Math.ceil(ROUNDS / 2), (s, r) => {
      if (r.code !== 0 || r.requests !== 3)
        throw new Error(`${s.what}: exit ${r.code}, ${r.requests} requests: ${r.stderr.slice(0, 300)}`);
    });
  } finally {
    await sb.close();
  }
}

async function version(work) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  // Without the launcher's own answer: what bin/beluga-cert does for every other command, and
  // then yargs answers, as it does for --help.
  const launcher = join(work, 'launcher.cjs');
  writeFileSync(launcher, `import(${JSON.stringify(join(ROOT, 'dist/cli.js'))}).then((cli) => cli.main());\n`);
  const go = (file) => () => measure([file], ['--version'], cleanEnv());
  const subjects = [
    { what: 'bin/beluga-cert --version (the CommonJS launcher answers)', go: go(join(ROOT, 'bin/beluga-cert')) },
    { what: 'the launcher loads dist/cli.js and yargs answers', go: go(launcher) },
    { what: 'node -e 0', go: nodeE0 },
  ];
  return interleave(subjects, ROUNDS, (s, r) => {
    if (r.code !== 0 || (s.what !== 'node -e 0' && r.stdout !== `${pkg.version}\n`))
      throw new Error(`${s.what}: exit ${r.code}: ${r.stdout} ${r.stderr.slice(0, 300)}`);
  });
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'bench-tricks-'));
  try {
    const dirs = {};
    for (const [what, v] of Object.entries(VARIANTS)) {
      dirs[what] = join(work, `v${Object.keys(dirs).length}`);
      await buildVariant(dirs[what], v);
    }
    console.log(
      `beluga-cert-hook start-up measures, ${new Date().toISOString()}, node ${process.version}, ${ROUNDS} rounds, ` +
        `load average ${loadavg()
          .map((x) => x.toFixed(1))
          .join(' ')}; CPU time is user + system of the child, all threads`,
    );
    log(`${Object.keys(VARIANTS).length} variants built; start-up, ${ROUNDS} rounds ...`);
    print(
      'Hook start-up (lego, until a missing certificate file stops it, exit 10):',
      await startup(dirs, mkdtempSync(join(work, 'state-'))),
      'Ratios are to the hooks as built (medians of per-round ratios); above 1 the variant is slower. ' +
        'A measure pays when ' +
        "taking it out costs more than 5% (ratio > 1.05, and clearly beyond the second copy's distance from 1).",
    );
    log('full runs ...');
    print(
      'A full hook run against the sandbox (no delay), for the HTTP and bundle choices:',
      await fullRun(
        dirs,
        [
          'as built',
          'two bundles per hook (notifiers and edge check in hook-extras.cjs)',
          'nodemailer inside the hook bundle (imported lazily)',
          'node-fetch inside the hook bundle (imported lazily)',
          "node's built-in fetch instead of node-fetch",
        ],
        work,
      ),
    );
    log('--version ...');
    print('beluga-cert --version:', await version(work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err && err.stack}\n`);
  process.exitCode = 1;
});
