// Bundles each hook into one CommonJS file (dist/hooks-bundle/NAME.cjs): a hook then starts
// without node's ES module loader and without resolving ~30 modules, and node-fetch is a separate
// CommonJS file required at the first request; nodemailer likewise, loaded only when a mail is sent.
// Run by `npm run build` after tsc.
import { build } from 'esbuild';

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
  external: ['node-fetch', './node-fetch.cjs'],
  plugins: [nodemailerBeside],
});
await build({ ...common, entryPoints: ['src/hooks/bin/node-fetch.ts'], outfile: 'dist/hooks-bundle/node-fetch.cjs' });
await build({ ...common, entryPoints: ['src/hooks/bin/nodemailer.ts'], outfile: 'dist/hooks-bundle/nodemailer.cjs' });
