#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import type { RunContext } from './commands/context.js';
import type { StoreSpec } from './stores/types.js';
import { EXIT } from './errors.js';
import { runAsMain } from './commands/process-main.js';

/** The version in package.json (one directory above dist/ and src/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The `beluga-cert` command line. Takes its whole outside world as arguments (`run({argv, ...})`)
 * and returns the exit code; only the bottom of this file touches `process`.
 */
export async function run(argv: string[], ctx: RunContext): Promise<number> {
  // `--version` alone is answered before the command-line parser is loaded (it costs ~100 ms).
  if (argv.length === 1 && argv[0] === '--version') {
    ctx.stdout.write(`${version()}\n`);
    return EXIT.OK;
  }
  const { default: yargs } = await import('yargs');
  let code: number = EXIT.OK;
  let usageError: string | undefined;
  const parser = yargs(argv)
    .scriptName('beluga-cert')
    .usage('$0 <command> [options]\n\nDeploy renewed TLS certificates to the Beluga CDN and tell Slack.')
    .command('deploy', 'read, check and upload a certificate, then notify', (y) => y
      .option('cert', { type: 'string', demandOption: true, describe: 'certificate file (leaf, or leaf + intermediates)' })
      .option('key', { type: 'string', demandOption: true, describe: 'private key file (PKCS#1, SEC1 or PKCS#8)' })
      .option('chain', { type: 'string', describe: 'intermediate certificates file' })
      .option('domain', { type: 'string', describe: 'primary domain (default: the certificate\'s first DNS name)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'read, check and resolve (GET only); send nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON on stdout' })
      .option('allow-name-loss', { type: 'boolean', default: false, describe: 'upload even if names the record serves would be lost' })
      .option('force', { type: 'boolean', default: false, describe: 'upload even if the journal says it is already there (or a newer one is)' }),
    async (a) => {
      // yargs makes a repeated option an array, and an empty --domain (an unset variable in a
      // script) would silently mean "the certificate's first name": both are mistakes to refuse.
      const repeated = (['cert', 'key', 'chain', 'domain'] as const).filter((name) => Array.isArray(a[name]));
      if (repeated.length > 0) {
        usageError = `${repeated.map((n) => `--${n}`).join(', ')} given more than once`;
        return;
      }
      if (a.domain !== undefined && a.domain.trim() === '') {
        usageError = '--domain is empty; give the domain, or leave the option out to use the certificate\'s first name';
        return;
      }
      const { deployCommand } = await import('./commands/deploy.js');
      code = await deployCommand({
        cert: a.cert, key: a.key, chain: a.chain, domain: a.domain,
        dryRun: a['dry-run'], json: a.json, allowNameLoss: a['allow-name-loss'], force: a.force,
      }, ctx);
    })
    .command('retry', 'deploy every pending certificate again (run it from cron or a timer)', (y) => y,
      async () => {
        const { retryCommand } = await import('./commands/retry.js');
        code = await retryCommand(ctx);
      })
    .command('pending', 'list the certificates waiting for a retry, with their last error', (y) => y
      .option('json', { type: 'boolean', default: false, describe: 'print the list as JSON on stdout' }),
    async (a) => {
      const { pendingCommand } = await import('./commands/retry.js');
      code = await pendingCommand({ json: a.json }, ctx);
    })
    .command('sync', 'deploy every certificate in the stores whose newest version is not on Beluga yet', (y) => storeOptions(y)
      .option('dry-run', { type: 'boolean', default: false, describe: 'read, check and resolve; send nothing' })
      .option('concurrency', { type: 'number', default: 4, describe: 'uploads at once (1-64)' }),
    async (a) => {
      const { syncCommand } = await import('./commands/sync.js');
      code = await syncCommand({ stores: storesFrom(a), dryRun: a['dry-run'], concurrency: a.concurrency }, ctx);
    })
    .command('status', 'show every certificate in the stores: expiry, record, deployed or not', (y) => storeOptions(y)
      .option('json', { type: 'boolean', default: false, describe: 'print the rows as JSON on stdout' }),
    async (a) => {
      const { statusCommand } = await import('./commands/status.js');
      code = await statusCommand({ stores: storesFrom(a), json: a.json }, ctx);
    })
    .command('verify [names..]', 'show which certificate the CDN\'s edge serves for each name; with none, finish pending edge checks', (y) => y
      .positional('names', { type: 'string', array: true, default: [] as string[], describe: 'host names to ask the edge for' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON on stdout' }),
    async (a) => {
      const { verifyCommand } = await import('./commands/verify.js');
      code = await verifyCommand({ names: (a.names ?? []).map(String), json: a.json }, ctx);
    })
    .command('notify-test', 'send a test message through every configured notifier and say which worked', (y) => y
      .option('json', { type: 'boolean', default: false, describe: 'print the results as JSON on stdout' }),
    async (a) => {
      const { notifyTestCommand } = await import('./commands/notify-test.js');
      code = await notifyTestCommand({ json: a.json }, ctx);
    })
    .command('sandbox', 'run a local Beluga-compatible API and notifier sinks on 127.0.0.1', (y) => y
      .option('port', { type: 'number', default: 0, describe: 'port to listen on (0: any free port)' })
      .option('state', { type: 'string', describe: 'JSON file keeping the records between runs' })
      .option('edge-delay', { type: 'number', default: 0, describe: 'seconds before the TLS edge serves an uploaded certificate' })
      .option('edge-never', { type: 'boolean', default: false, describe: 'the TLS edge never serves uploaded certificates' }),
    async (a) => {
      const { sandboxCommand } = await import('./commands/sandbox.js');
      code = await sandboxCommand({ port: a.port, state: a.state, edgeDelay: a['edge-delay'], edgeNever: a['edge-never'] }, ctx);
    })
    .command('demo', 'deploy a fixture certificate to an embedded sandbox, step by step', (y) => y,
      async () => {
        const { demoCommand } = await import('./commands/demo.js');
        code = await demoCommand(ctx);
      })
    .demandCommand(1, 'name a command: deploy, sync, status, retry, pending, verify, notify-test, sandbox or demo')
    .strict()
    .version(version())
    .help()
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      usageError = msg;
    });
  await parser.parseAsync();
  if (usageError) {
    ctx.stderr.write(`beluga-cert: USAGE: ${usageError}; see beluga-cert --help\n`);
    return EXIT.USAGE;
  }
  return code;
}

/** The store options sync and status share; each repeatable, all combinable. */
function storeOptions<T>(y: Argv<T>) {
  return y
    .option('lego-path', { type: 'string', array: true, default: [] as string[], describe: "lego's --path (holds certificates/)" })
    .option('certbot-dir', { type: 'string', array: true, default: [] as string[], describe: "certbot's config dir (holds live/)" })
    .option('dir', { type: 'string', array: true, default: [] as string[], describe: 'a folder of sub-folders holding tls.crt and tls.key (cert-manager secrets)' });
}

function storesFrom(a: { 'lego-path': string[]; 'certbot-dir': string[]; dir: string[] }): StoreSpec[] {
  return [
    ...a['lego-path'].map((path) => ({ kind: 'lego' as const, path })),
    ...a['certbot-dir'].map((path) => ({ kind: 'certbot' as const, path })),
    ...a.dir.map((path) => ({ kind: 'dir' as const, path })),
  ];
}

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

/** Run as the `beluga-cert` command (bin/beluga-cert calls this; `node dist/cli.js` runs it itself). */
export function main(): void {
  runAsMain(run);
}

if (isMain()) main();
