/**
 * `HOOK --help`: each hook executable says what it reads from its client and exits 0, instead of
 * refusing the call as CONFIG; it sends nothing and reads no settings. Any other call is unchanged.
 */
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_CONFIG_PATH } from '../src/config/settings.js';
import { fromCertbot, DOMAINS, LINEAGE } from '../src/hooks/certbot.js';
import { fromDehydrated } from '../src/hooks/dehydrated.js';
import type { Adapter } from '../src/hooks/hook-input.js';
import { fromLego, V4, V5 } from '../src/hooks/lego.js';
import { runHook } from '../src/hooks/run-hook.js';
import type { HttpClient } from '../src/http.js';
import { ROOT, type CliResult } from './helpers/run-cli.js';

const HOOKS: Array<{ name: string; adapter: Adapter; reads: string[] }> = [
  {
    name: 'lego',
    adapter: fromLego,
    reads: [...Object.values(V5), ...Object.values(V4), '--deploy-hook', '--renew-hook'],
  },
  { name: 'certbot', adapter: fromCertbot, reads: [LINEAGE, DOMAINS, '--deploy-hook', 'renewal-hooks/deploy'] },
  {
    name: 'dehydrated',
    adapter: fromDehydrated,
    reads: ['HOOK=', 'deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE'],
  },
];

/** An HTTP client that fails the test if anything is sent. */
const noHttp =
  (t: Test): HttpClient =>
  async () => {
    t.fail('--help must send nothing');
    throw new Error('no request expected');
  };

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    stdout: {
      write: (s: string) => {
        out.stdout += s;
      },
    },
    stderr: {
      write: (s: string) => {
        out.stderr += s;
      },
    },
  };
}

/** The hook executable as its client runs it: the launcher in hooks/, an environment with nothing but PATH. */
function runHookFile(name: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'hooks', name), ...args],
      {
        // A config path that cannot exist: --help must not read it (a deploy would fail on it).
        env: { PATH: process.env.PATH ?? '', BELUGA_HOOK_CONFIG: join(ROOT, 'no-such-dir', 'env') },
        timeout: 60_000,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

for (const hook of HOOKS) {
  t.test(`${hook.name} hook: --help and -h print what it reads, exit 0, send nothing`, async (t) => {
    t.type(hook.adapter.help, 'string', 'the adapter has a help text');
    const help = hook.adapter.help ?? '';
    t.match(help, new RegExp(`^Usage: beluga-cert-hook-${hook.name}\\b`));
    for (const read of hook.reads) t.ok(help.includes(read), `names ${read}`);
    t.ok(help.includes(`BELUGA_HOOK_CONFIG (default ${DEFAULT_CONFIG_PATH}`), 'names the config file and its default');
    t.ok(help.endsWith('\n'), 'ends with a newline');
    for (const line of help.split('\n')) t.ok(line.length <= 120, `fits a terminal: ${line}`);

    for (const flag of ['--help', '-h']) {
      const c = capture();
      const ctx = {
        env: { BELUGA_HOOK_CONFIG: '/nonexistent/env' },
        stdout: c.stdout,
        stderr: c.stderr,
        http: noHttp(t),
        now: () => new Date(),
        host: 'test-host',
      };
      t.equal(await runHook(hook.adapter, [flag], ctx), 0, `${flag}: exit 0`);
      t.same(c.out, { stdout: help, stderr: '' }, `${flag}: the help on stdout, nothing on stderr`);
    }

    const built = await runHookFile(hook.name, ['--help']);
    t.same(built, { code: 0, stdout: help, stderr: '' }, 'the built hook executable answers the same');
  });
}

t.test('--help only alone: other calls keep their meaning', async (t) => {
  const c = capture();
  const ctx = {
    env: { BELUGA_HOOK_CONFIG: 'none' },
    stdout: c.stdout,
    stderr: c.stderr,
    http: noHttp(t),
    now: () => new Date(),
    host: 'test-host',
  };
  t.equal(await runHook(fromLego, ['--help', 'x'], ctx), 3, 'lego: arguments besides --help are still refused');
  t.match(c.out.stderr, /^beluga-cert: CONFIG: lego hook: takes no arguments \(got 2/);
  c.out.stderr = '';
  t.equal(await runHook(fromCertbot, [], ctx), 3, 'certbot: no RENEWED_LINEAGE is still CONFIG');
  t.match(c.out.stderr, /missing RENEWED_LINEAGE/);
  c.out.stderr = '';
  t.equal(
    await runHook(fromDehydrated, ['--help', 'x'], ctx),
    0,
    'dehydrated: an unknown handler name is still a silent no-op',
  );
  t.same(c.out, { stdout: '', stderr: '' });
  const bare: Adapter = () => ({ skip: 'nothing' });
  t.equal(await runHook(bare, ['--help'], ctx), 0, 'an adapter without help text runs as before');
  t.same(c.out, { stdout: '', stderr: '' });
});
