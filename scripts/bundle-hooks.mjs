// Bundles each hook into one CommonJS file (dist/hooks-bundle/NAME.cjs): a hook then starts
// without node's ES module loader and without resolving ~30 modules, and node-fetch is a separate
// CommonJS file required at the first request; nodemailer likewise, loaded only when a mail is sent.
// Run by `npm run build` after tsc.
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

/**
 * node:crypto is ~15 internal modules, loaded by node at the first require whatever is used: the
 * hooks reach it through many files (certificate parsing, request signing, the journal). This
 * plugin gives the bundle a stand-in with one getter per export that requires the real module at
 * first use, so a hook loads crypto when it first hashes or parses, not at start (issue 6). The
 * export names are node's own, read here at build time.
 */
const LAZY_BUILTINS = ['crypto'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) => (args.namespace === 'lazy-builtin'
      ? undefined // the stand-in's own require: the real builtin
      : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
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

/**
 * What a hook needs only to notify or to check the edge goes into a second bundle,
 * dist/hooks-bundle/hook-extras.cjs (entry src/hooks/bin/extras.ts), required at the first such
 * lazy import: the main bundle compiles half the code at start (issue 6). Each lazy import below
 * becomes `require('./hook-extras.cjs').NAME`. The second bundle has its own copies of shared
 * modules; the error classes crossing over are recognised by a brand, not by identity.
 */
const EXTRAS = {
  'src/verify/from-settings.ts': { './edge-step.js': 'edgeStep' },
};
/** Each notifier's definition, src/notify/NAME/index.ts, loads its module ../NAME.js: extra NAME. */
const NOTIFIER_DEFINITION = /src[\\/]notify[\\/]([a-z]+)[\\/]index\.ts$/;
const extrasApart = {
  name: 'extras-apart',
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const from = Object.keys(EXTRAS).find((file) => args.importer.endsWith(file));
      const notifier = NOTIFIER_DEFINITION.exec(args.importer);
      const name = notifier && args.path === `../${notifier[1]}.js` ? notifier[1] : from && EXTRAS[from][args.path];
      return name ? { path: name, namespace: 'hook-extras' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'hook-extras' }, (args) => ({
      loader: 'js',
      contents: `module.exports = require('./hook-extras.cjs')[${JSON.stringify(args.path)}];`,
    }));
  },
};

const common = { bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' };
// src/notify/email.ts does `await import('nodemailer')`: in a hook that becomes the bundled copy beside it.
const nodemailerBeside = {
  name: 'nodemailer-beside',
  setup(b) {
    b.onResolve({ filter: /^nodemailer$/ }, () => ({ path: './nodemailer.cjs', external: true }));
  },
};
await build({
  ...common,
  entryPoints: ['src/hooks/bin/lego.ts', 'src/hooks/bin/certbot.ts', 'src/hooks/bin/dehydrated.ts'],
  outdir: 'dist/hooks-bundle',
  outExtension: { '.js': '.cjs' },
  // The shared http module names node-fetch for the CLI; the hooks use their own copy instead.
  external: ['node-fetch', './node-fetch.cjs', './hook-extras.cjs'],
  plugins: [lazyBuiltins, extrasApart],
});
await build({
  ...common,
  entryPoints: ['src/hooks/bin/extras.ts'],
  outfile: 'dist/hooks-bundle/hook-extras.cjs',
  external: ['node-fetch', './node-fetch.cjs'],
  plugins: [lazyBuiltins, nodemailerBeside],
});
await build({ ...common, entryPoints: ['src/hooks/bin/node-fetch.ts'], outfile: 'dist/hooks-bundle/node-fetch.cjs' });
await build({ ...common, entryPoints: ['src/hooks/bin/nodemailer.ts'], outfile: 'dist/hooks-bundle/nodemailer.cjs' });
