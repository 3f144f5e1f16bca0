/**
 * The npm package as a user gets it: `npm pack` of a clean copy of the checkout (its tracked files,
 * no dist/) builds what it ships; the tarball holds what the package needs and nothing of the
 * development tree; `npm install -g` of it into a temporary prefix and `npx --package` of it give
 * every bin, each of which runs, and the installed lego hook deploys to the sandbox. npm's
 * registry is a local one serving node_modules' production dependencies: nothing leaves loopback.
 */
import t from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readlink, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { COMMANDS } from '../src/command-line/commands.js';
import { startSandbox } from '../src/sandbox/index.js';
import { startLocalRegistry } from './helpers/local-registry.js';
import { fixture, fixtureText, ROOT, type CliResult } from './helpers/run-cli.js';
import { testPath } from './helpers/test-path.js';
import { EXAMPLE_RECORD } from './helpers/example-record.js';

// npm pack builds (tsc + esbuild) and npm installs twice: a hang guard, not a speed check.
t.setTimeout(10 * 60_000);

const PKG = JSON.parse(fixtureText('../../package.json')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};
const BINS = ['beluga-cert', 'beluga-cert-hook-lego', 'beluga-cert-hook-certbot', 'beluga-cert-hook-dehydrated'];
const TOKEN = { tokenId: 'package-test', tokenSecret: 'tok-secret-package-0123456789' };

function run(file: string, args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const options = { env, cwd, timeout: 5 * 60_000, killSignal: 'SIGKILL' as const, maxBuffer: 16 << 20 };
    execFile(file, args, options, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The checkout's tracked files as they are now (uncommitted edits included), nothing else. */
async function cleanCopy(dir: string): Promise<void> {
  const files = execFileSync('git', ['-C', ROOT, 'ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const rel of files) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await copyFile(join(ROOT, rel), join(dir, rel)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // deleted in the work tree, not yet in the index
    });
  }
  // The build's tools, as a developer who ran `npm ci` has them; never installed here.
  await symlink(await realpath(join(ROOT, 'node_modules')), join(dir, 'node_modules'));
}

let hasGit = true;
try {
  execFileSync('git', ['-C', ROOT, 'rev-parse', '--git-dir'], { stdio: 'ignore' });
} catch {
  hasGit = false;
}

t.test(
  'npm pack of a clean copy, npm install -g and npx of the tarball: every bin runs, the lego hook deploys',
  { skip: hasGit ? false : 'not a git checkout: no clean copy to pack' },
  async (t) => {
    const base = await mkdtemp(join(tmpdir(), 'bch-package-'));
    t.teardown(() => rm(base, { recursive: true, force: true }));
    const src = join(base, 'src');
    const out = join(base, 'out');
    const home = join(base, 'home');
    await Promise.all([src, out, home].map((d) => mkdir(d)));
    await cleanCopy(src);
    await writeFile(join(home, '.npmrc'), '');
    const registry = await startLocalRegistry(await realpath(ROOT));
    t.teardown(() => registry.close());
    const npmEnv = {
      PATH: testPath(),
      HOME: home,
      npm_config_userconfig: join(home, '.npmrc'),
      npm_config_cache: join(base, 'cache'),
      npm_config_registry: registry.url,
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    };

    // 1. npm pack builds what it ships (prepack): the copy has no dist/ before.
    const pack = await run('npm', ['pack', '--pack-destination', out], npmEnv, src);
    t.equal(pack.code, 0, `npm pack: ${pack.stderr.slice(-3000)}`);
    if (pack.code !== 0) return;
    const tarball = join(out, `${PKG.name}-${PKG.version}.tgz`);
    const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((p) => p.replace(/^package\//, ''));
    for (const need of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin/beluga-cert',
      'bin/package.json',
      'dist/cli.js',
      'dist/hooks/lego.js',
      'hooks/package.json',
      'hooks/acme.sh/beluga.sh',
      'examples/env.example',
      'examples/systemd/beluga-cert-retry.service',
      'examples/systemd/beluga-cert-retry.timer',
      'test/fixtures/ec256.bundle.crt',
      'test/fixtures/ec256.sec1.key',
      'test/fixtures/rsa2048.crt',
      'test/fixtures/root.crt',
      ...['lego', 'certbot', 'dehydrated'].flatMap((h) => [`hooks/${h}`, `dist/hooks-bundle/${h}.cjs`]),
    ]) {
      t.ok(listed.includes(need), `the tarball holds ${need}`);
    }
    const devOnly = listed.filter((p) =>
      /^(src|scripts|bench|docs|\.ci|node_modules)\/|\.test\.ts$|^test\/helpers\/|^tsconfig|\.tgz$/.test(p),
    );
    t.same(devOnly, [], 'nothing of the development tree');
    t.same(
      listed.filter((p) => p.startsWith('test/')).filter((p) => !/^test\/fixtures\/[^/]+\.(crt|key)$/.test(p)),
      [],
      "of the tests only the demo's fixture certificates",
    );

    // 2. npm install -g into a temporary prefix.
    const prefix = join(base, 'prefix');
    const install = await run('npm', ['install', '-g', '--prefix', prefix, tarball], npmEnv, home);
    t.equal(install.code, 0, `npm install -g: ${install.stderr.slice(-3000)}`);
    if (install.code !== 0) return;
    t.ok(registry.requests.includes('/yargs'), 'the dependencies came from the local registry');
    t.same((await readdir(join(prefix, 'bin'))).sort(), [...BINS].sort(), 'the four bins, nothing else');
    t.same(Object.keys(PKG.bin).sort(), [...BINS].sort(), 'package.json names the same bins');
    for (const bin of BINS) {
      const target = await realpath(join(prefix, 'lib', 'node_modules', PKG.name, PKG.bin[bin]!));
      t.equal(await realpath(join(prefix, 'bin', bin)), target, `${bin} is the package's ${PKG.bin[bin]}`);
    }
    t.match(await readlink(join(prefix, 'bin', 'beluga-cert')), /bin\/beluga-cert$/);

    // 3. Every bin runs, through its link, with a PATH that has no other beluga-cert.
    const env = {
      PATH: testPath(),
      HOME: home,
      BELUGA_HOOK_CONFIG: 'none',
      BELUGA_HOOK_STATE_DIR: join(base, 'journal'),
    };
    const binPath = (name: string) => join(prefix, 'bin', name);
    const version = await run(binPath('beluga-cert'), ['--version'], env, home);
    t.same(version, { code: 0, stdout: `${PKG.version}\n`, stderr: '' }, 'beluga-cert --version');
    const help = await run(binPath('beluga-cert'), ['--help'], env, home);
    t.equal(help.code, 0, `beluga-cert --help: ${help.stderr}`);
    for (const c of COMMANDS) t.match(help.stdout, new RegExp(`beluga-cert ${c.name}\\b`), `--help names ${c.name}`);
    for (const hook of ['lego', 'certbot', 'dehydrated']) {
      const r = await run(binPath(`beluga-cert-hook-${hook}`), ['--help'], env, home);
      t.equal(r.code, 0, `beluga-cert-hook-${hook} --help: ${r.stderr}`);
      t.match(r.stdout, new RegExp(`^Usage: beluga-cert-hook-${hook}\\b`));
    }
    const demo = await run(binPath('beluga-cert'), ['demo'], env, home);
    const demoOutput = demo.stdout.slice(-2000) + demo.stderr;
    t.equal(demo.code, 0, `beluga-cert demo (its fixtures are in the package): ${demoOutput}`);

    // 4. A real deploy through the installed lego hook, as lego v4 runs it.
    const sb = await startSandbox({
      credentials: TOKEN,
      records: [EXAMPLE_RECORD],
    });
    t.teardown(() => sb.close());
    const legoDir = join(base, 'lego', 'certificates');
    await mkdir(legoDir, { recursive: true, mode: 0o700 });
    await copyFile(fixture('ec256.bundle.crt'), join(legoDir, 'example.com.crt'));
    await copyFile(fixture('ec256.sec1.key'), join(legoDir, 'example.com.key'));
    await chmod(join(legoDir, 'example.com.key'), 0o600);
    const hook = await run(
      binPath('beluga-cert-hook-lego'),
      [],
      {
        ...env,
        BELUGA_BASE_URL: sb.url,
        BELUGA_TOKEN_ID: TOKEN.tokenId,
        BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
        LEGO_CERT_PATH: join(legoDir, 'example.com.crt'),
        LEGO_CERT_KEY_PATH: join(legoDir, 'example.com.key'),
        LEGO_CERT_DOMAIN: 'example.com',
      },
      home,
    );
    t.equal(hook.code, 0, `installed lego hook: ${hook.stdout}${hook.stderr}`);
    t.same(
      sb.requests.map((r) => `${r.method} ${r.path}`),
      ['GET /api/cdn/v2/ssl-certificates', 'PUT /api/cdn/v2/ssl-certificates'],
    );
    const stored = sb.records().find((r) => String(r.id) === '1001');
    const renewed = new X509Certificate(fixtureText('ec256.crt')).fingerprint256;
    t.equal(
      stored && new X509Certificate(stored.certificate).fingerprint256,
      renewed,
      'Beluga now serves the renewed certificate',
    );
    t.notOk((hook.stdout + hook.stderr).includes(TOKEN.tokenSecret), 'the secret is never printed');

    // 5. npx: the tarball run without installing it.
    const npxDir = join(base, 'npx');
    await mkdir(npxDir);
    const npxRun = (args: string[]) =>
      run('npm', ['exec', '--yes', `--package=${tarball}`, '--', ...args], npmEnv, npxDir);
    const npx = await npxRun(['beluga-cert', '--version']);
    t.same(
      { code: npx.code, stdout: npx.stdout },
      { code: 0, stdout: `${PKG.version}\n` },
      `npx beluga-cert --version: ${npx.stderr}`,
    );
    const npxHook = await npxRun(['beluga-cert-hook-certbot', '--help']);
    t.equal(npxHook.code, 0, `npx beluga-cert-hook-certbot --help: ${npxHook.stderr}`);
    t.match(npxHook.stdout, /RENEWED_LINEAGE/);
  },
);
