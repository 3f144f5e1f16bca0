/**
 * Every `beluga-cert` command: its options, the checks across them, and how it runs (each
 * command's module is loaded only once its command line is checked).
 */
import { STORE_KINDS } from '../stores/store-kinds.js';
import type { StoreSpec } from '../stores/types.js';
import type { CommandSpec, OptionSpec, Values } from './spec.js';

const json = (what: string): OptionSpec => ({
  kind: 'flag',
  name: 'json',
  describe: `print ${what} as JSON on stdout`,
});

/** The store options the commands reading stores share, one per kind; each repeatable, all combinable. */
const STORE_OPTIONS: OptionSpec[] = STORE_KINDS.map(({ option, describe }) => ({
  kind: 'texts',
  name: option,
  placeholder: 'a folder',
  describe,
}));

function storesFrom(v: Values): StoreSpec[] {
  return STORE_KINDS.flatMap(({ kind, option }) => v.texts(option).map((path) => ({ kind, path })));
}

const needsStore = (v: Values) => {
  if (storesFrom(v).length > 0) return undefined;
  const options = STORE_KINDS.map((k) => `--${k.option} DIR`);
  return `name at least one store: ${options.slice(0, -1).join(', ')} or ${options.at(-1)}`;
};

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.?$/;

/** Names to ask the edge for, as a certificate lists them. */
function hostNames(names: string[]): string | undefined {
  const bad = names.filter((n) => !HOST_NAME.test(n) || n.length > 253);
  return bad.length > 0
    ? `not a host name: ${bad.join(', ')}; give names as the certificate lists them (no wildcard, no scheme, no port)`
    : undefined;
}

export const COMMANDS: CommandSpec[] = [
  {
    name: 'deploy',
    describe: 'read, check and upload a certificate, then notify',
    options: [
      {
        kind: 'text',
        name: 'cert',
        required: true,
        placeholder: 'a file',
        describe: 'certificate file (leaf, or leaf + intermediates)',
      },
      {
        kind: 'text',
        name: 'key',
        required: true,
        placeholder: 'a file',
        describe: 'private key file (PKCS#1, SEC1 or PKCS#8)',
      },
      { kind: 'text', name: 'chain', placeholder: 'a file', describe: 'intermediate certificates file' },
      // An empty --domain (an unset variable in a script) would silently mean "the first name".
      {
        kind: 'text',
        name: 'domain',
        placeholder: 'a domain',
        describe: "primary domain (default: the certificate's first DNS name)",
        ifEmpty: "--domain is empty; give the domain, or leave the option out to use the certificate's first name",
      },
      { kind: 'flag', name: 'dry-run', describe: 'read, check and resolve (GET only); send nothing' },
      json('the result'),
      { kind: 'flag', name: 'allow-name-loss', describe: 'upload even if names the record serves would be lost' },
      {
        kind: 'flag',
        name: 'force',
        describe: 'upload even if the journal says it is already there (or a newer one is)',
      },
      {
        kind: 'flag',
        name: 'allow-older',
        describe: 'upload even if the edge serves a newer certificate for these names',
      },
    ],
    run: async (v, ctx) =>
      (await import('../commands/deploy.js')).deployCommand(
        {
          cert: v.text('cert')!,
          key: v.text('key')!,
          chain: v.text('chain'),
          domain: v.text('domain'),
          dryRun: v.flag('dry-run'),
          json: v.flag('json'),
          allowNameLoss: v.flag('allow-name-loss'),
          force: v.flag('force'),
          allowOlder: v.flag('allow-older'),
        },
        ctx,
      ),
  },
  {
    name: 'retry',
    describe: 'deploy every pending certificate again (run it from cron or a timer)',
    options: [],
    run: async (_v, ctx) => (await import('../commands/retry.js')).retryCommand(ctx),
  },
  {
    name: 'pending',
    describe: 'list the certificates waiting for a retry, with their last error',
    options: [json('the list')],
    run: async (v, ctx) => (await import('../commands/retry.js')).pendingCommand({ json: v.flag('json') }, ctx),
  },
  {
    name: 'sync',
    describe: 'deploy every certificate in the stores whose newest version is not on Beluga yet',
    options: [
      ...STORE_OPTIONS,
      { kind: 'flag', name: 'dry-run', describe: 'read, check and resolve; send nothing' },
      {
        kind: 'number',
        name: 'concurrency',
        what: 'a whole number',
        min: 1,
        max: 64,
        default: 4,
        describe: 'uploads at once (1-64)',
      },
    ],
    check: needsStore,
    run: async (v, ctx) =>
      (await import('../commands/sync.js')).syncCommand(
        { stores: storesFrom(v), dryRun: v.flag('dry-run'), concurrency: v.number('concurrency') },
        ctx,
      ),
  },
  {
    name: 'status',
    describe: 'show every certificate in the stores: expiry, record, deployed or not',
    options: [...STORE_OPTIONS, json('the rows')],
    check: needsStore,
    run: async (v, ctx) =>
      (await import('../commands/status.js')).statusCommand({ stores: storesFrom(v), json: v.flag('json') }, ctx),
  },
  {
    name: 'metrics',
    describe: 'print Prometheus metrics from the stores and the journal (or write them to a file)',
    options: [
      ...STORE_OPTIONS,
      {
        kind: 'text',
        name: 'out',
        placeholder: 'a file',
        describe: "write atomically to this file (node_exporter's textfile collector)",
      },
    ],
    run: async (v, ctx) =>
      (await import('../commands/metrics.js')).metricsCommand({ stores: storesFrom(v), out: v.text('out') }, ctx),
  },
  {
    name: 'verify',
    describe: "show which certificate the CDN's edge serves for each name; with none, finish pending edge checks",
    positional: {
      name: 'names',
      describe: 'host names to ask the edge for',
      check: hostNames,
    },
    options: [json('the result')],
    run: async (v, ctx) =>
      (await import('../commands/verify.js')).verifyCommand({ names: v.positionals, json: v.flag('json') }, ctx),
  },
  {
    name: 'expiry',
    describe: 'ask the edge which certificate it serves for each name and alert on those expiring soon',
    positional: {
      name: 'names',
      describe: 'host names to ask the edge for (default: every name deployed or in the stores)',
      check: hostNames,
    },
    options: [
      ...STORE_OPTIONS,
      {
        kind: 'number',
        name: 'days',
        what: 'a whole number of days',
        min: 1,
        max: 365,
        default: 21,
        describe: 'alert when fewer days are left (1-365)',
      },
      json('the rows'),
    ],
    run: async (v, ctx) =>
      (await import('../commands/expiry.js')).expiryCommand(
        { names: v.positionals, stores: storesFrom(v), days: v.number('days'), json: v.flag('json') },
        ctx,
      ),
  },
  {
    name: 'notify-test',
    describe: 'send a test message through every configured notifier and say which worked',
    options: [json('the results')],
    run: async (v, ctx) =>
      (await import('../commands/notify-test.js')).notifyTestCommand({ json: v.flag('json') }, ctx),
  },
  {
    name: 'sandbox',
    describe: 'run a local Beluga-compatible API and notifier sinks on 127.0.0.1',
    options: [
      {
        kind: 'number',
        name: 'port',
        what: 'a port number',
        min: 0,
        max: 65535,
        default: 0,
        describe: 'port to listen on (0: the one --state remembers, else any free port)',
      },
      { kind: 'text', name: 'state', placeholder: 'a file', describe: 'JSON file keeping the records between runs' },
      {
        kind: 'number',
        name: 'edge-delay',
        what: 'a number of seconds',
        min: 0,
        max: 3600,
        default: 0,
        fraction: true,
        describe: 'seconds before the TLS edge serves an uploaded certificate (0-3600)',
      },
      { kind: 'flag', name: 'edge-never', describe: 'the TLS edge never serves uploaded certificates' },
      {
        kind: 'number',
        name: 'edge-port',
        what: 'a port number',
        min: 0,
        max: 65535,
        default: 0,
        describe: 'port of the TLS edge (0: the one --state remembers, else any free port)',
      },
      {
        kind: 'text',
        name: 'records',
        placeholder: 'a file',
        describe: 'JSON file of records to start with (ignored when --state exists)',
      },
      {
        kind: 'texts',
        name: 'seed',
        placeholder: 'a name, or names separated by commas',
        describe: 'start with a record for NAME[,NAME...] and a self-signed certificate for them (repeatable)',
      },
      { kind: 'flag', name: 'show-messages', describe: 'print the text of each notification a sink receives' },
    ],
    run: async (v, ctx) =>
      (await import('../commands/sandbox.js')).sandboxCommand(
        {
          port: v.number('port'),
          state: v.text('state'),
          edgeDelay: v.number('edge-delay'),
          edgeNever: v.flag('edge-never'),
          edgePort: v.number('edge-port'),
          records: v.text('records'),
          seed: v.texts('seed'),
          showMessages: v.flag('show-messages'),
        },
        ctx,
      ),
  },
  {
    name: 'demo',
    describe: 'deploy a fixture certificate to an embedded sandbox, step by step',
    options: [],
    run: async (_v, ctx) => (await import('../commands/demo.js')).demoCommand(ctx),
  },
  {
    name: 'doctor',
    describe:
      'check everything a renewal needs (settings, credentials, clock, notifiers, stores) and say how to fix it',
    options: [
      ...STORE_OPTIONS,
      { kind: 'flag', name: 'send', describe: 'also send a test message through every configured notifier' },
      json('every check'),
    ],
    run: async (v, ctx) =>
      (await import('../commands/doctor.js')).doctorCommand(
        { json: v.flag('json'), send: v.flag('send'), stores: storesFrom(v) },
        ctx,
      ),
  },
];
