/**
 * The whole command line is checked before anything happens: a refused command line (an unknown
 * option, a flag given a value, a missing or empty or repeated option, a number out of range) is
 * exit 2 and one line on stderr, with no request to Beluga or a notifier, no TLS handshake with the
 * edge and no journal folder made. Each command runs as a child process against the sandbox, with
 * everything it would need to do real work.
 */
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { fixture, ROOT, runCli } from './helpers/run-cli.js';

const TOKEN = { tokenId: 'strict-id', tokenSecret: 'strict-secret-0123456789' };
const FILES = ['--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.pkcs8.key')];

/** Every request any part of the sandbox saw: the API, each notifier sink, the TLS edge. */
function received(sb: Sandbox): number {
  const sinks = Object.values(sb.notify).reduce((n, sink) => n + sink.requests.length, 0);
  return sb.requests.length + sb.slackRequests.length + sinks + sb.edgeHandshakes.length;
}

async function world(t: Test) {
  const sb = await startSandbox({ credentials: TOKEN });
  t.teardown(() => sb.close());
  const dir = t.testdir();
  // A cert-manager-like store holding one certificate a sync would upload.
  const store = join(dir, 'store');
  await mkdir(join(store, 'example-tls'), { recursive: true });
  await copyFile(fixture('ec256.bundle.crt'), join(store, 'example-tls', 'tls.crt'));
  await copyFile(fixture('ec256.pkcs8.key'), join(store, 'example-tls', 'tls.key'));
  let runs = 0;
  /** A journal folder that does not exist yet: any command that got as far as its journal makes it. */
  const run = async (args: string[]) => {
    const state = join(dir, `state-${runs++}`);
    const r = await runCli(args, {
      BELUGA_BASE_URL: sb.url,
      BELUGA_TOKEN_ID: TOKEN.tokenId,
      BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
      BELUGA_SITE: 'strict-site',
      BELUGA_EDGE_ADDRESS: sb.edgeAddress,
      BELUGA_VERIFY: 'hook',
      SLACK_WEBHOOK_URL: sb.slackUrl,
      DISCORD_WEBHOOK_URL: sb.notify.discord.url,
      BELUGA_HOOK_STATE_DIR: state,
    });
    return { ...r, stateMade: existsSync(state) };
  };
  return { sb, store, run };
}

/** [command line, what the one-line message must say]; `S` stands for the store folder. */
const BAD: Array<[string[], RegExp]> = [
  [
    [],
    /name a command: deploy, retry, pending, sync, status, metrics, verify, expiry, notify-test, sandbox, demo, doctor/,
  ],
  [['frobnicate'], /Unknown argument: frobnicate/],
  [['--dryrun'], /name a command/],
  // deploy
  [['deploy', ...FILES, '--dryrun'], /Unknown argument: dryrun/],
  [['deploy', ...FILES, '--dryRun'], /Unknown argument: dryRun/],
  [
    ['deploy', ...FILES, '--dry-run=yes'],
    /--dry-run=yes: --dry-run is a flag and takes no value; give --dry-run or --no-dry-run/,
  ],
  [['deploy', ...FILES, '--dry-run=1'], /--dry-run=1: --dry-run is a flag/],
  [['deploy', ...FILES, '--dry-run=on'], /--dry-run=on: --dry-run is a flag/],
  [['deploy', ...FILES, '--dry-run='], /--dry-run=: --dry-run is a flag/],
  [['deploy', ...FILES, '--json=no'], /--json=no: --json is a flag/],
  [['deploy', ...FILES, '--no-dry-run=true'], /Unknown argument: no-dry-run/],
  [['deploy', ...FILES, '--help=yes'], /--help=yes: --help is a flag/],
  [['deploy', '--cert', fixture('ec256.bundle.crt')], /Missing required argument: key/],
  [['deploy', '--key', fixture('ec256.pkcs8.key')], /Missing required argument: cert/],
  [['deploy', ...FILES, '--chain'], /Not enough arguments following: chain/],
  [['deploy', '--cert', '--key', fixture('ec256.pkcs8.key')], /Not enough arguments following: cert/],
  [['deploy', ...FILES, '--cert', fixture('rsa2048.crt')], /--cert given more than once/],
  [['deploy', ...FILES, '--force', '--force'], /--force given more than once/],
  [['deploy', ...FILES, '--dry-run', '--no-dry-run'], /--dry-run given more than once/],
  [['deploy', ...FILES, '--domain', ''], /--domain is empty; give the domain, or leave the option out/],
  [['deploy', ...FILES, '--domain', '  '], /--domain is empty/],
  [['deploy', '--cert=', '--key', fixture('ec256.pkcs8.key')], /--cert is empty; give a file/],
  [['deploy', ...FILES, '--no-chain'], /--no-chain: only a flag has a --no- form; --chain takes a value/],
  [['deploy', ...FILES, 'extra'], /Unknown argument: extra/],
  [['deploy', ...FILES, '--', '--dry-run'], /unexpected argument: --dry-run/],
  // sync
  [['sync', '--dir', 'S', '--dryrun'], /Unknown argument: dryrun/],
  [['sync', '--dir', 'S', '--dry-run=on'], /--dry-run=on: --dry-run is a flag/],
  [['sync', '--dir', 'S', '--json'], /Unknown argument: json/],
  [
    ['sync'],
    /name at least one store: --lego-path DIR, --certbot-dir DIR, --dehydrated-dir DIR, --acme-sh-home DIR or --dir DIR/,
  ],
  [['sync', '--dir'], /Not enough arguments following: dir/],
  [['sync', '--dir', ''], /--dir is empty; give a folder/],
  [['sync', '--dir', 'S', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 64 \(got 0\)/],
  [['sync', '--dir', 'S', '--concurrency', 'abc'], /--concurrency must be a whole number from 1 to 64 \(got abc\)/],
  [['sync', '--dir', 'S', '--concurrency', '65'], /\(got 65\)/],
  [['sync', '--dir', 'S', '--concurrency', '1.5'], /\(got 1\.5\)/],
  [['sync', '--dir', 'S', '--concurrency', '0x10'], /\(got 0x10\)/],
  [['sync', '--dir', 'S', '--concurrency='], /\(got nothing\)/],
  [['sync', '--dir', 'S', '--concurrency', '2', '--concurrency', '3'], /--concurrency given more than once/],
  // status
  [['status', '--dir', 'S', '--jsno'], /Unknown argument: jsno/],
  [['status', '--dir', 'S', '--json=yes'], /--json=yes: --json is a flag/],
  [['status', '--dir', 'S', '--dry-run'], /Unknown argument: dry-run/],
  [['status'], /name at least one store/],
  [['status', '--lego-path', 'S', '--certbot-dir', ''], /--certbot-dir is empty; give a folder/],
  // metrics
  [['metrics', '--json'], /Unknown argument: json/],
  [['metrics', '--out', ''], /--out is empty/],
  [['metrics', '--out', 'a', '--out', 'b'], /--out given more than once/],
  [['metrics', 'now'], /Unknown argument: now/],
  // expiry
  [['expiry', '--days', '0'], /--days/],
  [['expiry', '--days', '366'], /--days/],
  [['expiry', '--dayz', '3'], /Unknown argument: dayz/],
  [['expiry', 'https://example.com'], /not a host name: https:\/\/example\.com/],
  [['expiry', '--json=yes'], /--json=yes: --json is a flag/],
  // retry
  [['retry', '--json'], /Unknown argument: json/],
  [['retry', '--force'], /Unknown argument: force/],
  [['retry', 'now'], /Unknown argument: now/],
  // pending
  [['pending', '--json=1'], /--json=1: --json is a flag/],
  [['pending', '--jsonn'], /Unknown argument: jsonn/],
  [['pending', '--json', '--json'], /--json given more than once/],
  [['pending', 'all'], /Unknown argument: all/],
  // verify
  [['verify', 'https://example.com'], /not a host name: https:\/\/example\.com/],
  [['verify', 'example.com:443'], /not a host name: example\.com:443/],
  [['verify', '*.example.com'], /not a host name: \*\.example\.com/],
  [['verify', 'example.com', '--json=on'], /--json=on: --json is a flag/],
  [['verify', '--edge', 'x'], /Unknown argument: edge/],
  // notify-test
  [['notify-test', '--json=true', '--json'], /--json given more than once/],
  [['notify-test', '--dry-run'], /Unknown argument: dry-run/],
  [['notify-test', 'slack'], /Unknown argument: slack/],
  // doctor
  [['doctor', '--send', '--send'], /--send given more than once/],
  [['doctor', '--lego-path', ''], /--lego-path/],
  [['doctor', '--dry-run'], /Unknown argument: dry-run/],
  [['doctor', 'now'], /Unknown argument: now/],
  // sandbox
  [['sandbox', '--port', '70000'], /--port must be a port number from 0 to 65535 \(got 70000\)/],
  [['sandbox', '--port', 'abc'], /--port must be a port number from 0 to 65535 \(got abc\)/],
  [['sandbox', '--port', '-1'], /\(got -1\)/],
  [['sandbox', '--port', ''], /\(got nothing\)/],
  [['sandbox', '--port', '1', '--port', '2'], /--port given more than once/],
  [['sandbox', '--edge-delay', '-1'], /--edge-delay must be a number of seconds from 0 to 3600 \(got -1\)/],
  [['sandbox', '--edge-delay', '3601'], /\(got 3601\)/],
  [['sandbox', '--edge-delay', '1e3'], /\(got 1e3\)/],
  [['sandbox', '--state', ''], /--state is empty; give a file/],
  [['sandbox', '--state'], /Not enough arguments following: state/],
  [['sandbox', '--edge-never=yes'], /--edge-never=yes: --edge-never is a flag/],
  [['sandbox', '--portt', '1'], /Unknown argument: portt/],
  // demo
  [['demo', '--json'], /Unknown argument: json/],
  [['demo', '--fast'], /Unknown argument: fast/],
  [['demo', 'now'], /Unknown argument: now/],
];

t.test('every bad command line of every command: exit 2, one line, nothing sent, nothing written', async (t) => {
  const { sb, store, run } = await world(t);
  for (const [template, message] of BAD) {
    const args = template.map((a) => (a === 'S' ? store : a));
    const shown = template.map((a) => a.replace(ROOT, '')).join(' ') || '(nothing)';
    const before = received(sb);
    const r = await run(args);
    t.equal(r.code, 2, `${shown}: exit 2 (USAGE); stderr: ${r.stderr}`);
    t.match(r.stderr, message, `${shown}: says what is wrong`);
    t.match(r.stderr, /^beluga-cert: USAGE: [^\n]+; see beluga-cert( [a-z-]+)? --help\n$/, `${shown}: one line`);
    t.equal(r.stdout, '', `${shown}: nothing on stdout`);
    t.notOk(r.stateMade, `${shown}: no journal folder made`);
    t.equal(received(sb) - before, 0, `${shown}: no request, message or handshake`);
  }
});

t.test('-h and --help on every command print its help and exit 0, running nothing', async (t) => {
  const { sb, store, run } = await world(t);
  for (const command of ['deploy', 'sync', 'status', 'retry', 'pending', 'verify', 'notify-test', 'sandbox', 'demo']) {
    for (const help of ['-h', '--help']) {
      // With the options a real run would take: help wins, and the command does not run.
      const args =
        command === 'deploy'
          ? [command, ...FILES, help]
          : ['sync', 'status'].includes(command)
            ? [command, '--dir', store, help]
            : [command, help];
      const r = await run(args);
      t.equal(r.code, 0, `${command} ${help}: ${r.stderr}`);
      t.match(r.stdout, new RegExp(`^beluga-cert ${command}\\b[^\\n]*\\n\\n`), `${command} ${help}: its own help`);
      t.match(r.stdout, /-h, --help/);
      t.equal(r.stderr, '');
      t.notOk(r.stateMade, `${command} ${help}: no journal folder made`);
    }
  }
  t.equal(received(sb), 0, 'no request, message or handshake');
  const all = await run(['-h']);
  t.equal(all.code, 0);
  t.match(all.stdout, /beluga-cert notify-test/);
});

t.test('--version still answers, from the launcher and the program, on its own or after a command', async (t) => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  t.equal(
    execFileSync(process.execPath, [join(ROOT, 'bin/beluga-cert'), '--version'], { env: {} }).toString(),
    `${version}\n`,
  );
  const { run } = await world(t);
  t.equal((await run(['--version'])).stdout, `${version}\n`);
  t.equal((await run(['deploy', '--version'])).stdout, `${version}\n`);
});

t.test(
  'the accepted forms of a flag: bare, --no-, =true and =false (checked with a dry run that only lists)',
  async (t) => {
    const { sb, run } = await world(t);
    const dry = await run(['deploy', ...FILES, '--dry-run', '--json=true']);
    t.equal(dry.code, 0, dry.stderr);
    t.match(JSON.parse(dry.stdout), { ok: true, dryRun: true });
    t.same(
      sb.requests.map((r) => r.method),
      ['GET'],
      'the control: a good command line does reach the sandbox',
    );
    const explicit = await run(['deploy', ...FILES, '--dry-run=true', '--no-json']);
    t.equal(explicit.code, 0, explicit.stderr);
    t.match(explicit.stdout, /dry run: would POST/);
    t.equal(sb.requests.filter((r) => r.method !== 'GET').length, 0, '--dry-run=true is a dry run');
  },
);
