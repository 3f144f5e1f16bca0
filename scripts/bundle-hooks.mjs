// Bundles each hook into one CommonJS file (dist/hooks-bundle/NAME.cjs): a hook then starts
// without node's ES module loader and without resolving ~30 modules, and node-fetch is a separate
// CommonJS file required at the first request; nodemailer likewise, loaded only when a mail is sent.
// Each is measured to pay (bench/tricks.mjs, bench/README.md). Run by `npm run build` after tsc.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

/**
 * node:crypto is ~15 internal modules, loaded by node at the first require whatever is used: the
 * hooks reach it through many files (certificate parsing, request signing, the journal). This
 * plugin gives the bundle a stand-in with one getter per export that requires the real module at
 * first use, so a hook loads crypto when it first hashes or parses, not at start. The
 * export names are node's own, read here at build time.
 */
const LAZY_BUILTINS = ['crypto'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === 'lazy-builtin'
        ? undefined // the stand-in's own require: the real builtin
        : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      loader: 'js',
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(`node:${args.path}`)}));
for (const name of ${JSON.stringify(Object.keys(require(`node:${args.path}`)))}) {
  Object.defineProperty(module.exports, name, { enumerable: true, get: () => load()[name] });
}`,
    }));
  },
};

const common = { bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' };
// src/notify/email.ts does `await import('nodemailer')`: in a hook that becomes the bundled copy beside it
// (inside the hook's bundle it would cost a quarter of a hook's start-up to compile).
const nodemailerBeside = {
  name: 'nodemailer-beside',
  setup(b) {
    b.onResolve({ filter: /^nodemailer$/ }, () => ({ path: './nodemailer.cjs', external: true }));
  },
};

/** The esbuild runs, writing into `outdir`; exported so that bench/tricks.mjs builds variants of them. */
export function hookBuilds(outdir = 'dist/hooks-bundle') {
  return [
    {
      ...common,
      entryPoints: ['src/hooks/bin/lego.ts', 'src/hooks/bin/certbot.ts', 'src/hooks/bin/dehydrated.ts'],
      outdir,
      outExtension: { '.js': '.cjs' },
      // The shared http module names node-fetch for the CLI; the hooks use their own copy instead.
      external: ['node-fetch', './node-fetch.cjs'],
      plugins: [lazyBuiltins, nodemailerBeside],
    },
    { ...common, entryPoints: ['src/hooks/bin/node-fetch.ts'], outfile: `${outdir}/node-fetch.cjs` },
    { ...common, entryPoints: ['src/hooks/bin/nodemailer.ts'], outfile: `${outdir}/nodemailer.cjs` },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const options of hookBuilds()) await build(options);
}
