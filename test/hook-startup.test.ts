/**
 * What a hook loads before its first file read: no node stream objects for stdout or stderr and no
 * node:crypto, each measured to pay (bench/tricks.mjs). A certificate that parses still loads
 * crypto (the lazy stand-in must work for real use).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ROOT, fixture } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const PRELOAD = `const seen = new Set(process.moduleLoadList);
process.on('exit', () => require('fs').writeFileSync(process.env.MODS_OUT, process.moduleLoadList.filter((m) => !seen.has(m)).join('\\n')));`;

async function modulesLoadedBy(
  hook: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string; modules: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'hook-startup-'));
  const preload = join(dir, 'preload.cjs');
  await writeFile(preload, PRELOAD);
  const out = join(dir, 'modules.txt');
  return new Promise((resolve, reject) => {
    // tap adds NODE_OPTIONS (its process-info loader) to every child's environment: drop it here.
    execFile(
      'env',
      [
        '-u',
        'NODE_OPTIONS',
        process.execPath,
        '--require',
        preload,
        join(ROOT, hook.includes('/') ? hook : `hooks/${hook}`),
        ...args,
      ],
      {
        env: {
          PATH: process.env.PATH,
          BELUGA_HOOK_CONFIG: 'none',
          BELUGA_HOOK_STATE_DIR: tempStateDir(),
          BELUGA_BASE_URL: 'http://127.0.0.1:9',
          BELUGA_USERNAME: 'u',
          BELUGA_PASSWORD: 'p4ssword',
          MODS_OUT: out,
          ...env,
        },
        timeout: 60_000,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        // A child killed before its exit handler wrote the list rejects here instead of never settling.
        readFile(out, 'utf8').then(
          (mods) => resolve({ code, stdout: String(stdout), stderr: String(stderr), modules: mods.split('\n') }),
          reject,
        );
      },
    );
  });
}

const lego = (cert: string, key: string) => ({
  LEGO_CERT_DOMAIN: 'example.com',
  LEGO_CERT_PATH: cert,
  LEGO_CERT_KEY_PATH: key,
});

t.test('a hook stopped by a missing certificate file loaded neither crypto nor stdio streams', async (t) => {
  for (const [hook, args, env] of [
    ['lego', [], lego('/nonexistent/a.crt', '/nonexistent/a.key')],
    ['certbot', [], { RENEWED_LINEAGE: '/nonexistent/live/example.com', RENEWED_DOMAINS: 'example.com' }],
    [
      'dehydrated',
      ['deploy_cert', 'example.com', '/nonexistent/k', '/nonexistent/c', '/nonexistent/f', '/nonexistent/ch', '1'],
      {},
    ],
  ] as const) {
    const r = await modulesLoadedBy(hook, [...args], env);
    t.equal(r.code, 10, `${hook}: FILE_UNREADABLE`);
    t.match(r.stderr, /FILE_UNREADABLE: cannot read certificate file/, `${hook}: the error still reaches stderr`);
    t.notOk(r.modules.includes('NativeModule crypto'), `${hook}: node:crypto not loaded`, {
      modules: r.modules.join(' '),
    });
    t.notOk(
      r.modules.some((m) => m.startsWith('NativeModule internal/streams/')),
      `${hook}: no stream modules (stdout/stderr untouched)`,
    );
  }
});

t.test('the same hook with a real certificate loads crypto through the stand-in and checks it', async (t) => {
  // Nothing answers on 127.0.0.1:9, so it stops after reading and checking: crypto was used for real.
  const r = await modulesLoadedBy('lego', [], {
    ...lego(fixture('rsa2048.bundle.crt'), fixture('rsa2048.pkcs8.key')),
    BELUGA_RETRIES: '1',
  });
  t.ok(r.modules.includes('NativeModule crypto'), 'crypto loaded once needed');
  t.notMatch(r.stderr, /INTERNAL|TypeError|is not a function/, r.stderr);
  t.match(r.stderr, /REMOTE_UNAVAILABLE|connection refused|ECONNREFUSED/i, 'got as far as the network');
});

t.test('beluga-cert --version is answered by the CommonJS launcher, without the ES module loader', async (t) => {
  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await modulesLoadedBy('bin/beluga-cert', ['--version'], {});
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `${version}\n`);
  t.notOk(
    r.modules.some((m) => m.includes('internal/modules/esm/')),
    'no ES module loader',
  );
  const help = await modulesLoadedBy('bin/beluga-cert', ['--help'], {});
  t.equal(help.code, 0, help.stderr);
  t.match(help.stdout, /beluga-cert <command>/, 'any other command loads the program');
});
