/**
 * install.sh as a user runs it: into a temp prefix with a temp config path and certbot folder;
 * a second run that must change nothing; the installed command and lego hook run from the prefix
 * against the sandbox; --uninstall removing exactly what was installed, keeping the config.
 * Every run passes --skip-build: a full run would `npm ci` the checkout other tests run from; the
 * big run installs from a copy of the checkout's runtime files, so nothing can touch the real one.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  access,
  constants,
  copyFile,
  chmod,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, SECRET_NAMES, SETTING_NAMES } from '../src/config/settings.js';
import { startSandbox } from '../src/sandbox/index.js';
import { fixture, fixtureText, ROOT, type CliResult } from './helpers/run-cli.js';
import { testPath } from './helpers/test-path.js';
import { EXAMPLE_RECORD } from './helpers/example-record.js';

// npm ci into the prefix can take a while on a cold cache: a hang guard, not a speed check.
t.setTimeout(10 * 60_000);

const INSTALL = join(ROOT, 'install.sh');
const VERSION = (JSON.parse(fixtureText('../../package.json')) as { version: string }).version;
const TOKEN = { tokenId: 'install-test', tokenSecret: 'tok-secret-install-0123456789' };
const HOOKS = ['lego', 'certbot', 'dehydrated'];

/**
 * What npm needs to reach its cache or the registry, and a PATH built for the test (no installed
 * beluga-cert on it); nothing else of the test's environment.
 */
function installerEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keep = /^(HOME|TMPDIR|https?_proxy|no_proxy|npm_config_(cache|registry|userconfig))$/i;
  const env: Record<string, string> = { PATH: testPath() };
  for (const [key, value] of Object.entries(process.env)) if (keep.test(key) && value !== undefined) env[key] = value;
  return { ...env, ...extra };
}

/** Run a program with exactly `env`, bounded by a kill timer so a hang cannot hang the suite. */
function run(file: string, args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env, cwd, timeout: 5 * 60_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
const install = (args: string[], cwd: string, env = installerEnv(), script = INSTALL) =>
  run('bash', [script, ...args], env, cwd);

/** A checkout holding what install.sh --skip-build reads, as built now (immune to a rebuild meanwhile). */
async function copyCheckout(dir: string): Promise<string> {
  for (const rel of [
    'install.sh',
    'package.json',
    'package-lock.json',
    'README.md',
    'LICENSE',
    'bin',
    'dist',
    'hooks',
    'examples',
    'test/fixtures',
  ]) {
    if (existsSync(join(ROOT, rel))) await cp(join(ROOT, rel), join(dir, rel), { recursive: true });
  }
  return dir;
}

interface Entry {
  kind: string;
  mode: number;
  mtimeMs: number;
  target?: string;
  sha256?: string;
}

/** Every path under root (relative) with its kind, mode, mtime and content or link target. */
async function snapshot(root: string, rel = '', out: Record<string, Entry> = {}): Promise<Record<string, Entry>> {
  for (const name of (await readdir(join(root, rel))).sort()) {
    const path = join(rel, name);
    const info = await lstat(join(root, path));
    const entry: Entry = {
      kind: info.isSymbolicLink() ? 'link' : info.isDirectory() ? 'dir' : 'file',
      mode: info.mode & 0o7777,
      mtimeMs: info.mtimeMs,
    };
    if (entry.kind === 'link') entry.target = await readlink(join(root, path));
    if (entry.kind === 'file')
      entry.sha256 = createHash('sha256')
        .update(await readFile(join(root, path)))
        .digest('hex');
    out[path] = entry;
    if (entry.kind === 'dir') await snapshot(root, path, out);
  }
  return out;
}

const modeOf = async (path: string) => (await lstat(path)).mode & 0o777;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

t.test('--help, bad options and a too old Node: exit codes, one line, nothing written', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bch-install-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const help = await install(['--help'], dir);
  t.equal(help.code, 0);
  for (const option of ['--prefix DIR', '--config PATH', '--certbot [DIR]', '--uninstall', '--skip-build'])
    t.match(help.stdout, option);

  const cases: Array<[string[], number, RegExp]> = [
    [['--frobnicate'], 2, /^install\.sh: error: unknown option '--frobnicate'; see \.\/install\.sh --help$/],
    [['--prefix'], 2, /--prefix needs a value/],
    [
      ['--skip-build', '--prefix', join(dir, 'p'), '--config', join(dir, 'env'), '--certbot', join(dir, 'no-certbot')],
      3,
      /certbot folder .*no-certbot does not exist/,
    ],
  ];
  for (const [args, code, pattern] of cases) {
    const r = await install(args, dir);
    t.equal(r.code, code, `${args.join(' ')}: exit code`);
    t.match(r.stderr.trim(), pattern, `${args.join(' ')}: message`);
    t.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line`);
  }

  // A `node` that reports 18 first on PATH: refused before anything is built or written.
  await mkdir(join(dir, 'old-node'));
  await writeFile(join(dir, 'old-node', 'node'), '#!/bin/sh\necho 18.19.0\n', { mode: 0o755 });
  const old = await install(
    ['--skip-build', '--prefix', join(dir, 'p'), '--config', join(dir, 'env')],
    dir,
    installerEnv({ PATH: `${join(dir, 'old-node')}:${testPath()}` }),
  );
  t.equal(old.code, 3);
  t.match(old.stderr, /Node\.js 18\.19\.0 is too old; beluga-cert-hook needs Node\.js 20 or newer/);
  t.same((await readdir(dir)).sort(), ['old-node'], 'no prefix, no config written');
});

t.test('a command in PREFIX/bin that install.sh did not make stops the install before any change', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bch-install-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'prefix', 'bin'), { recursive: true });
  await writeFile(join(dir, 'prefix', 'bin', 'beluga-cert'), "someone else's\n");
  const r = await install(['--skip-build', '--prefix', join(dir, 'prefix'), '--config', join(dir, 'env')], dir);
  t.equal(r.code, 6);
  t.match(
    r.stderr,
    /prefix\/bin\/beluga-cert exists and was not installed by install\.sh; move it away or choose another --prefix/,
  );
  t.equal(await readFile(join(dir, 'prefix', 'bin', 'beluga-cert'), 'utf8'), "someone else's\n");
  t.notOk(existsSync(join(dir, 'prefix', 'lib')), 'nothing copied');
  t.notOk(existsSync(join(dir, 'env')), 'no config written');
});

t.test('install into a prefix, run again, deploy with the installed lego hook, uninstall', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'bch-install-'));
  const work = await mkdtemp(join(tmpdir(), 'bch-install-work-'));
  const src = await copyCheckout(await mkdtemp(join(tmpdir(), 'bch-install-src-')));
  t.teardown(() => Promise.all([base, work, src].map((d) => rm(d, { recursive: true, force: true }))));
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [EXAMPLE_RECORD],
  });
  t.teardown(() => sb.close());

  const prefix = join(base, 'prefix');
  const lib = join(prefix, 'lib', 'beluga-cert-hook');
  const config = join(base, 'etc', 'beluga-cert-hook', 'env');
  const certbot = join(base, 'letsencrypt');
  const certbotLink = join(certbot, 'renewal-hooks', 'deploy', 'beluga-cert-hook');
  // Things that were there before and must survive the uninstall.
  await mkdir(join(prefix, 'bin'), { recursive: true });
  await writeFile(join(prefix, 'bin', 'other-tool'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
  await mkdir(certbot);
  await writeFile(join(certbot, 'cli.ini'), 'email = ops@example.com\n');
  const before = Object.keys(await snapshot(base));

  const args = ['--skip-build', '--prefix', prefix, '--config', config, '--certbot', certbot];
  const first = await install(args, work, installerEnv(), join(src, 'install.sh'));
  t.equal(first.code, 0, `first run: ${first.stderr}`);
  if (first.code !== 0) return;
  t.match(first.stdout, /^files: copied \d+ of \d+ files into /m);
  t.match(first.stdout, /^deps: npm ci --omit=dev in /m);
  t.match(first.stdout, new RegExp(`^check: .*/bin/beluga-cert --version: ${escape(VERSION)}; --help runs$`, 'm'));

  // The runtime copy: what the command, the hooks and the demo need; production dependencies only.
  for (const rel of [
    'package.json',
    'package-lock.json',
    'dist/cli.js',
    'dist/hooks/lego.js',
    'hooks/acme.sh/beluga.sh',
    'test/fixtures/ec256.bundle.crt',
    'examples/env.example',
    'node_modules/yargs/package.json',
    '.installed',
    ...HOOKS.map((h) => `hooks/${h}`),
  ]) {
    t.ok(existsSync(join(lib, rel)), `installed: ${rel}`);
  }
  for (const dev of ['typescript', 'tap', '@types/node'])
    t.notOk(existsSync(join(lib, 'node_modules', dev)), `no dev dependency ${dev}`);
  t.equal(await readFile(join(lib, 'dist/cli.js'), 'utf8'), await readFile(join(src, 'dist/cli.js'), 'utf8'));
  t.equal(await modeOf(join(lib, 'dist/cli.js')), 0o755);
  t.equal(await modeOf(join(lib, 'hooks/lego')), 0o755);
  t.equal(await modeOf(join(lib, 'hooks/acme.sh/beluga.sh')), 0o644, 'acme.sh sources it; not a program');
  t.equal(await modeOf(join(lib, 'package.json')), 0o644);

  // Links: relative inside the prefix (it can move), absolute from certbot's folder.
  t.equal(await readlink(join(prefix, 'bin', 'beluga-cert')), '../lib/beluga-cert-hook/bin/beluga-cert');
  t.equal(await modeOf(join(lib, 'bin/beluga-cert')), 0o755);
  for (const hook of HOOKS)
    t.equal(await readlink(join(prefix, 'bin', `beluga-cert-hook-${hook}`)), `../lib/beluga-cert-hook/hooks/${hook}`);
  t.equal(await readlink(certbotLink), join(lib, 'hooks', 'certbot'));
  t.equal(await realpath(certbotLink), await realpath(join(lib, 'hooks', 'certbot')));
  await t.resolves(access(certbotLink, constants.X_OK), 'certbot can run what the link points at');

  // The config template: private, every setting named, nothing set.
  t.equal(await modeOf(config), 0o600);
  t.equal(await modeOf(join(base, 'etc', 'beluga-cert-hook')), 0o700);
  const template = await readFile(config, 'utf8');
  t.equal(template, await readFile(join(src, 'examples', 'env.example'), 'utf8'));
  t.same(parseConfigText(template, config), {}, 'every line a comment: nothing takes effect until the user says so');
  for (const name of [...SETTING_NAMES, ...SECRET_NAMES.map((s) => `${s}_FILE`)])
    t.match(template, new RegExp(`^#${name}=`, 'm'), `template names ${name}`);

  // The user fills in the config; the next run must keep it and change nothing at all.
  const userConfig = `BELUGA_BASE_URL=${sb.url}\nBELUGA_TOKEN_ID=${TOKEN.tokenId}\nBELUGA_TOKEN_SECRET=${TOKEN.tokenSecret}\n`;
  await writeFile(config, userConfig);
  const snap = await snapshot(base);
  const second = await install(args, work, installerEnv(), join(src, 'install.sh'));
  t.equal(second.code, 0, `second run: ${second.stderr}`);
  t.same(await snapshot(base), snap, 'second run: same files, links, modes, mtimes and contents');
  const actions = second.stdout.split('\n').filter((l) => /^(files|deps|link|certbot|config|manifest):/.test(l));
  t.equal(actions.length, 9, 'one line per step: files, deps, 4 links, certbot, config, manifest');
  for (const line of actions) t.match(line, /nothing to do$/, line);
  t.match(second.stdout, new RegExp(`^config: ${escape(config)} exists, left as is \\(never overwritten\\)`, 'm'));
  t.notOk((second.stdout + second.stderr).includes(TOKEN.tokenSecret), "the config's secret is never printed");

  // The installed command and hook, through their symlinks, from another folder, as lego runs it.
  const version = await run(join(prefix, 'bin', 'beluga-cert'), ['--version'], { PATH: testPath() }, work);
  t.equal(version.stdout.trim(), VERSION, version.stderr);
  // --version is the launcher's alone; any other command loads the program through it.
  const pending = await run(
    join(prefix, 'bin', 'beluga-cert'),
    ['pending', '--json'],
    { PATH: testPath(), BELUGA_HOOK_CONFIG: config, BELUGA_HOOK_STATE_DIR: join(work, 'journal-cli') },
    work,
  );
  t.equal(pending.code, 0, pending.stderr);
  t.same(JSON.parse(pending.stdout), [], 'the installed command runs a real command (nothing pending yet)');
  const legoDir = join(work, '.lego', 'certificates');
  await mkdir(legoDir, { recursive: true, mode: 0o700 });
  await copyFile(fixture('ec256.bundle.crt'), join(legoDir, 'example.com.crt'));
  await copyFile(fixture('ec256.sec1.key'), join(legoDir, 'example.com.key'));
  await chmod(join(legoDir, 'example.com.key'), 0o600);
  const hook = await run(
    join(prefix, 'bin', 'beluga-cert-hook-lego'),
    [],
    {
      PATH: testPath(),
      BELUGA_HOOK_CONFIG: config,
      BELUGA_HOOK_STATE_DIR: join(work, 'journal'),
      LEGO_CERT_PATH: join(legoDir, 'example.com.crt'),
      LEGO_CERT_KEY_PATH: join(legoDir, 'example.com.key'),
      LEGO_CERT_DOMAIN: 'example.com',
    },
    work,
  );
  t.equal(hook.code, 0, `lego hook: ${hook.stdout}${hook.stderr}`);
  t.same(
    sb.requests.map((r) => `${r.method} ${r.path}`),
    ['GET /api/cdn/v2/ssl-certificates', 'PUT /api/cdn/v2/ssl-certificates'],
  );
  const stored = sb.records().find((r) => String(r.id) === '1001');
  t.equal(
    stored && new X509Certificate(stored.certificate).fingerprint256,
    new X509Certificate(fixtureText('ec256.crt')).fingerprint256,
    'Beluga now serves the renewed certificate',
  );
  t.notOk((hook.stdout + hook.stderr).includes(TOKEN.tokenSecret));

  // Uninstall: everything it made is gone; what was there before and the config stay.
  const un = await install(['--uninstall', '--prefix', prefix], work, installerEnv(), join(src, 'install.sh'));
  t.equal(un.code, 0, `uninstall: ${un.stderr}`);
  t.match(un.stdout, new RegExp(`^kept: ${escape(config)} \\(your settings and secrets`, 'm'));
  const after = Object.keys(await snapshot(base)).sort();
  t.same(
    after,
    [...before, 'etc', join('etc', 'beluga-cert-hook'), join('etc', 'beluga-cert-hook', 'env')].sort(),
    'only what was there before, plus the config file',
  );
  t.equal(await readFile(config, 'utf8'), userConfig);
  t.equal(await readFile(join(prefix, 'bin', 'other-tool'), 'utf8'), '#!/bin/sh\necho mine\n');
  t.equal(await readFile(join(certbot, 'cli.ini'), 'utf8'), 'email = ops@example.com\n');

  const again = await install(['--uninstall', '--prefix', prefix], work);
  t.equal(again.code, 0);
  t.match(again.stdout, /nothing installed under .*; nothing to do/);
});
