/**
 * install.sh --systemd: where systemd is not running it says so and installs nothing at all;
 * where it runs (a root prefix holding run/systemd/system, and a stand-in systemctl that records
 * its calls) it writes the retry (with --systemd-sync the sync, with --systemd-expiry the expiry) units pointed at this
 * install, reloads and enables the timers, changes nothing on a second run, and --uninstall
 * disables and removes them. Runs --skip-build from a copy of the checkout's runtime files.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, type CliResult } from './helpers/run-cli.js';
import { testPath } from './helpers/test-path.js';

// npm ci into the prefix can take a while on a cold cache: a hang guard, not a speed check.
t.setTimeout(10 * 60_000);

/** What npm needs to reach its cache; a PATH built for the test; nothing else of the test's environment. */
function installerEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keep = /^(HOME|TMPDIR|https?_proxy|no_proxy|npm_config_(cache|registry|userconfig))$/i;
  const env: Record<string, string> = { PATH: testPath() };
  for (const [key, value] of Object.entries(process.env)) if (keep.test(key) && value !== undefined) env[key] = value;
  return { ...env, ...extra };
}

function install(script: string, args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const options = { env, cwd, timeout: 5 * 60_000, killSignal: 'SIGKILL' as const, maxBuffer: 16 << 20 };
    execFile('bash', [script, ...args], options, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function copyCheckout(dir: string): Promise<string> {
  const runtime = [
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
  ];
  for (const rel of runtime) {
    if (existsSync(join(ROOT, rel))) await cp(join(ROOT, rel), join(dir, rel), { recursive: true });
  }
  return dir;
}

/** A systemctl that records each call and says a timer is enabled and active once it was enabled. */
async function fakeSystemctl(dir: string): Promise<{ path: string; calls: () => Promise<string[]> }> {
  const log = join(dir, 'systemctl.log');
  const path = join(dir, 'systemctl');
  await writeFile(
    path,
    `#!/bin/sh
echo "$*" >> ${JSON.stringify(log)}
case $1 in is-enabled|is-active) grep -qx "enable --now $3" ${JSON.stringify(log)} ;; esac
`,
  );
  await chmod(path, 0o755);
  const calls = async () => (existsSync(log) ? (await readFile(log, 'utf8')).split('\n').filter(Boolean) : []);
  return { path, calls };
}

t.test('--systemd where systemd is not running: says so, exit 3, nothing installed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bch-install-sd-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  await mkdir(root);
  const systemctl = await fakeSystemctl(dir);
  const args = ['--skip-build', '--systemd', '--prefix', join(dir, 'prefix'), '--config', join(dir, 'env')];
  const r = await install(
    join(ROOT, 'install.sh'),
    args,
    installerEnv({ BELUGA_INSTALL_ROOT: root, SYSTEMCTL: systemctl.path }),
    dir,
  );
  t.equal(r.code, 3, r.stderr);
  t.equal(r.stdout, '', 'no step ran');
  t.match(
    r.stderr,
    new RegExp(
      '^install\\.sh: error: --systemd: systemd is not running on this host ' +
        '\\(.*/run/systemd/system does not exist\\), so nothing was installed; ' +
        'run without --systemd and use cron \\(examples/cron\\.example\\)\\n$',
    ),
  );
  t.same((await readdir(dir)).sort(), ['root', 'systemctl'], 'no prefix, no config');
  t.same(await readdir(root), [], 'no unit');
  t.same(await systemctl.calls(), [], 'systemctl never called');

  const sync = await install(join(ROOT, 'install.sh'), ['--systemd-sync', '--lego-path /x'], installerEnv(), dir);
  t.equal(sync.code, 2, '--systemd-sync alone is a usage error');
  t.match(sync.stderr, /--systemd-sync needs --systemd/);
  const expiry = await install(join(ROOT, 'install.sh'), ['--systemd-expiry'], installerEnv(), dir);
  t.equal(expiry.code, 2, '--systemd-expiry alone is a usage error');
  t.match(expiry.stderr, /--systemd-expiry needs --systemd/);
  const bad = await install(
    join(ROOT, 'install.sh'),
    ['--systemd', '--systemd-expiry=--dir /x%y'],
    installerEnv({ BELUGA_INSTALL_ROOT: root, SYSTEMCTL: systemctl.path }),
    dir,
  );
  t.equal(bad.code, 2, 'a % in the expiry stores is refused (systemd would expand it)');
  t.match(bad.stderr, /--systemd-expiry: give store options only/);
  t.same(await readdir(root), [], 'still no unit');
});

t.test('--systemd with systemd running: units for this prefix, timers enabled, idempotent, uninstalled', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bch-install-sd-'));
  const src = await copyCheckout(await mkdtemp(join(tmpdir(), 'bch-install-sd-src-')));
  t.teardown(() => Promise.all([dir, src].map((d) => rm(d, { recursive: true, force: true }))));
  const root = join(dir, 'root');
  await mkdir(join(root, 'run', 'systemd', 'system'), { recursive: true });
  const systemctl = await fakeSystemctl(dir);
  const prefix = join(dir, 'prefix');
  const config = join(dir, 'etc', 'env');
  const units = join(root, 'etc', 'systemd', 'system');
  const env = installerEnv({ BELUGA_INSTALL_ROOT: root, SYSTEMCTL: systemctl.path });
  const stores = '--lego-path /var/lib/lego --certbot-dir /etc/letsencrypt';
  const args = [
    '--skip-build',
    '--prefix',
    prefix,
    '--config',
    config,
    '--systemd',
    '--systemd-sync',
    stores,
    '--systemd-expiry',
  ];

  const first = await install(join(src, 'install.sh'), args, env, dir);
  t.equal(first.code, 0, `first run: ${first.stderr}`);
  if (first.code !== 0) return;
  const names = ['expiry.service', 'expiry.timer', 'retry.service', 'retry.timer', 'sync.service', 'sync.timer'].map(
    (n) => `beluga-cert-${n}`,
  );
  t.same((await readdir(units)).sort(), names);
  for (const name of names) {
    t.match(first.stdout, new RegExp(`^systemd: wrote .*/${name.replace(/\./g, '\\.')}$`, 'm'));
    t.equal((await stat(join(units, name))).mode & 0o777, 0o644, `${name}: mode 0644`);
  }
  const retry = await readFile(join(units, 'beluga-cert-retry.service'), 'utf8');
  t.match(
    retry,
    new RegExp(`^ExecStart=${prefix}/bin/beluga-cert retry\\nEnvironment=BELUGA_HOOK_CONFIG=${config}$`, 'm'),
    "the retry service runs this install's command with this config file",
  );
  t.notMatch(retry, /^ExecStart=\/usr\/local\/bin/m);
  t.match(
    await readFile(join(units, 'beluga-cert-sync.service'), 'utf8'),
    new RegExp(`^ExecStart=${prefix}/bin/beluga-cert sync ${stores}$`, 'm'),
  );
  t.match(
    await readFile(join(units, 'beluga-cert-expiry.service'), 'utf8'),
    new RegExp(
      `^ExecStart=${prefix}/bin/beluga-cert expiry --days 21 ${stores}\\nEnvironment=BELUGA_HOOK_CONFIG=`,
      'm',
    ),
    'the expiry timer reads the sync stores when given none of its own',
  );
  const shipped = await readFile(join(ROOT, 'examples/systemd/beluga-cert-retry.timer'), 'utf8');
  t.equal(await readFile(join(units, 'beluga-cert-retry.timer'), 'utf8'), shipped, 'the timer as shipped');
  t.same(await systemctl.calls(), [
    'daemon-reload',
    'enable --now beluga-cert-retry.timer',
    'enable --now beluga-cert-sync.timer',
    'enable --now beluga-cert-expiry.timer',
  ]);
  t.match(first.stdout, /^systemd: enabled and started beluga-cert-retry\.timer$/m);

  const second = await install(join(src, 'install.sh'), args, env, dir);
  t.equal(second.code, 0, `second run: ${second.stderr}`);
  const sd = second.stdout.split('\n').filter((l) => l.startsWith('systemd:'));
  t.equal(sd.length, 9, 'six units and three timers');
  for (const line of sd) t.match(line, /nothing to do$/, line);
  const later = (await systemctl.calls()).slice(4);
  t.notOk(
    later.some((c) => /^(daemon-reload|enable)/.test(c)),
    'no reload, no enable again',
  );

  const un = await install(join(src, 'install.sh'), ['--uninstall', '--prefix', prefix], env, dir);
  t.equal(un.code, 0, `uninstall: ${un.stderr}`);
  for (const name of names) t.match(un.stdout, new RegExp(`^removed: .*/${name.replace(/\./g, '\\.')}$`, 'm'));
  t.notOk(existsSync(join(root, 'etc')), 'the unit folders it made are gone');
  const calls = await systemctl.calls();
  t.same(calls.slice(-4).sort(), [
    'daemon-reload',
    'disable --now beluga-cert-expiry.timer',
    'disable --now beluga-cert-retry.timer',
    'disable --now beluga-cert-sync.timer',
  ]);
  t.equal(calls.at(-1), 'daemon-reload', 'reloaded once the timers are disabled');
  t.ok(existsSync(config), 'the config file is kept');
});
