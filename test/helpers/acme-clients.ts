/**
 * Run the real ACME clients (Debian 12: lego 4.9.1, certbot 2.1.0, dehydrated 0.7.0) against a
 * local pebble, each in its own folder, with a given deploy hook. Every run gets an explicit
 * environment (nothing inherited but PATH) and a kill timer. Flags that work with these
 * versions, and why, are in E2E-NOTES.md next to this file.
 */
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import type { Pebble } from './pebble.js';
import { killGroup, spawnInGroup } from './process-group.js';
import { testPath } from './test-path.js';

export interface ClientResult<P> {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  paths: P;
}

const CLIENT_TIMEOUT_MS = 120_000;
const OUTPUT_LIMIT = 256 * 1024;

/** Commands from `names` that are not executable anywhere on PATH. */
export async function missingCommands(names: string[], path = testPath()): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) {
    const dirs = path.split(delimiter).filter(Boolean);
    const found = await Promise.all(
      dirs.map((d) =>
        access(join(d, name), constants.X_OK).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (!found.includes(true)) missing.push(name);
  }
  return missing;
}

/**
 * The environment every client starts from: a PATH built for the test (the client finds itself,
 * never an installed beluga-cert), HOME kept inside the run folder.
 */
function baseEnv(home: string): Record<string, string> {
  return { PATH: testPath(), HOME: home, LANG: 'C.UTF-8' };
}

/**
 * spawn with an argument array in a process group of its own; kills the whole group (hooks
 * included) on timeout, and when the test process ends first.
 */
export async function runCommand(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs = CLIENT_TIMEOUT_MS,
): Promise<Omit<ClientResult<never>, 'paths'>> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawnInGroup(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (c: Buffer) => {
      stdout = (stdout + c.toString('utf8')).slice(-OUTPUT_LIMIT);
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-OUTPUT_LIMIT);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, extra = '') => {
      clearTimeout(timer);
      resolve({ exitCode, signal, timedOut, stdout, stderr: stderr + extra, durationMs: Date.now() - started });
    };
    child.once('error', (err) => finish(null, null, `\nspawn ${cmd}: ${err.message}`));
    child.once('close', (code, signal) => finish(code, signal));
  });
}

async function runDir(pebble: Pebble, prefix: string, dir?: string): Promise<string> {
  if (dir) return dir;
  return mkdtemp(join(pebble.workRoot, `${prefix}-`));
}

const isWildcard = (domains: string[]) => domains.some((d) => d.startsWith('*.'));

/** Single-quote for bash (dehydrated sources its config). */
const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// ---------------------------------------------------------------------------------------- lego

export interface LegoOptions {
  pebble: Pebble;
  domains: string[];
  /** lego splits this on white space and runs it without a shell. */
  hookCmd: string;
  keyType?: 'ec256' | 'ec384' | 'rsa2048' | 'rsa4096';
  email?: string;
  /** Extra variables for lego, and so for the hook, which inherits lego's environment. */
  env?: Record<string, string>;
  /** Global flags such as --pem, --pfx. */
  extraArgs?: string[];
  /** The --path folder; legoRenew must get the one legoRun used. */
  dir?: string;
}

export interface LegoPaths {
  dir: string;
  cert: string;
  key: string;
  issuer: string;
  json: string;
}

/** lego's file name for the first domain: `*` becomes `_`. */
function legoName(domain: string): string {
  return domain.replace(/\*/g, '_');
}

async function lego(opts: LegoOptions, command: string[]): Promise<ClientResult<LegoPaths>> {
  const dir = await runDir(opts.pebble, 'lego', opts.dir);
  const env: Record<string, string> = { ...baseEnv(dir), LEGO_CA_CERTIFICATES: opts.pebble.caBundlePath };
  const global = [
    '--server',
    opts.pebble.directoryUrl,
    '--accept-tos',
    '--email',
    opts.email ?? 'e2e@example.com',
    '--path',
    dir,
    '--key-type',
    opts.keyType ?? 'ec256',
    ...opts.domains.flatMap((d) => ['--domains', d]),
  ];
  if (isWildcard(opts.domains)) {
    // dns-01 through the exec provider: /bin/true "publishes" the record; pebble never looks.
    // lego still queries a resolver once (--dns.disable-cp), hence pebble-challtestsrv.
    global.push('--dns', 'exec', '--dns.disable-cp', '--dns.resolvers', opts.pebble.dnsResolver);
    // EXEC_SEQUENCE_INTERVAL: *.x and x share one TXT name, and lego waits 60 s between them by default
    Object.assign(env, {
      EXEC_PATH: '/bin/true',
      EXEC_SEQUENCE_INTERVAL: '1',
      EXEC_POLLING_INTERVAL: '1',
      EXEC_PROPAGATION_TIMEOUT: '30',
    });
  } else {
    // http-01 into a webroot folder: pebble never fetches it (VA_ALWAYS_VALID), no port to bind
    const webroot = join(dir, 'webroot');
    await mkdir(webroot, { recursive: true });
    global.push('--http', '--http.webroot', webroot);
  }
  Object.assign(env, opts.env);
  const result = await runCommand('lego', [...global, ...(opts.extraArgs ?? []), ...command], env, dir);
  const name = legoName(opts.domains[0]!);
  const certs = join(dir, 'certificates');
  return {
    ...result,
    paths: {
      dir,
      cert: join(certs, `${name}.crt`),
      key: join(certs, `${name}.key`),
      issuer: join(certs, `${name}.issuer.crt`),
      json: join(certs, `${name}.json`),
    },
  };
}

/** `lego ... run --run-hook CMD`: first issuance. */
export async function legoRun(opts: LegoOptions): Promise<ClientResult<LegoPaths>> {
  return lego(opts, ['run', '--run-hook', opts.hookCmd]);
}

/**
 * `lego ... renew --days 10000 --renew-hook CMD`: forces a renewal (pebble certificates last
 * 5 years). --no-random-sleep: without a TTY lego 4.9.1 otherwise sleeps up to 8 minutes first.
 */
export async function legoRenew(opts: LegoOptions & { dir: string }): Promise<ClientResult<LegoPaths>> {
  return lego(opts, ['renew', '--days', '10000', '--no-random-sleep', '--renew-hook', opts.hookCmd]);
}

// ------------------------------------------------------------------------------------- certbot

export interface CertbotOptions {
  pebble: Pebble;
  /** Runs through /bin/sh; stored in renewal/NAME.conf as renew_hook. */
  hookCmd?: string;
  keyType?: 'ecdsa' | 'rsa';
  env?: Record<string, string>;
  /** Executables linked into renewal-hooks/deploy/ before the run. */
  directoryHooks?: string[];
  extraArgs?: string[];
  /** The folder holding config/, work/, logs/; certbotRenew must get the one certonly used. */
  dir?: string;
}

export interface CertbotPaths {
  dir: string;
  configDir: string;
  /** config/live/NAME, found after the run (undefined if no lineage was written). */
  lineage?: string;
  cert?: string;
  chain?: string;
  fullchain?: string;
  privkey?: string;
}

async function certbot(opts: CertbotOptions, command: string[]): Promise<ClientResult<CertbotPaths>> {
  const dir = await runDir(opts.pebble, 'certbot', opts.dir);
  const configDir = join(dir, 'config');
  const hookDir = join(configDir, 'renewal-hooks', 'deploy');
  await mkdir(hookDir, { recursive: true });
  for (const hook of opts.directoryHooks ?? []) {
    await symlink(hook, join(hookDir, basename(hook))).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
  const env = { ...baseEnv(dir), REQUESTS_CA_BUNDLE: opts.pebble.caBundlePath, ...opts.env };
  const args = [
    ...command,
    '--config-dir',
    configDir,
    '--work-dir',
    join(dir, 'work'),
    '--logs-dir',
    join(dir, 'logs'),
    '--non-interactive',
    ...(opts.hookCmd ? ['--deploy-hook', opts.hookCmd] : []),
    ...(opts.extraArgs ?? []),
  ];
  const result = await runCommand('certbot', args, env, dir);
  const live = await readdir(join(configDir, 'live'), { withFileTypes: true }).catch(() => []);
  const names = live.filter((e) => e.isDirectory()).map((e) => e.name);
  const paths: CertbotPaths = { dir, configDir };
  if (names.length === 1) {
    const lineage = join(configDir, 'live', names[0]!);
    Object.assign(paths, {
      lineage,
      cert: join(lineage, 'cert.pem'),
      chain: join(lineage, 'chain.pem'),
      fullchain: join(lineage, 'fullchain.pem'),
      privkey: join(lineage, 'privkey.pem'),
    });
  }
  return { ...result, paths };
}

/**
 * `certbot certonly` for one new lineage. http-01 via --webroot (no port to bind; pebble never
 * fetches the token); wildcards via --manual with a no-op dns-01 auth hook.
 */
export async function certbotCertonly(
  opts: CertbotOptions & { domains: string[] },
): Promise<ClientResult<CertbotPaths>> {
  const dir = await runDir(opts.pebble, 'certbot', opts.dir);
  const webroot = join(dir, 'webroot');
  await mkdir(webroot, { recursive: true });
  const auth = isWildcard(opts.domains)
    ? ['--manual', '--preferred-challenges', 'dns', '--manual-auth-hook', '/bin/true']
    : ['--webroot', '--webroot-path', webroot, '--preferred-challenges', 'http'];
  return certbot({ ...opts, dir }, [
    'certonly',
    '--server',
    opts.pebble.directoryUrl,
    '--agree-tos',
    '--register-unsafely-without-email',
    ...auth,
    '--key-type',
    opts.keyType ?? 'ecdsa',
    ...opts.domains.flatMap((d) => ['-d', d]),
  ]);
}

/** `certbot renew --force-renewal`; the hook stored by certonly runs unless hookCmd replaces it. */
export async function certbotRenew(opts: CertbotOptions & { dir: string }): Promise<ClientResult<CertbotPaths>> {
  return certbot(opts, ['renew', '--force-renewal', '--no-random-sleep-on-renew']);
}

// ---------------------------------------------------------------------------------- dehydrated

export interface DehydratedOptions {
  pebble: Pebble;
  domains: string[];
  /** Executed directly (no shell) with a handler name first; must exit 0 for unknown names. */
  hookPath: string;
  challengeType?: 'http-01' | 'dns-01';
  /** KEY_ALGO: dehydrated 0.7.0 defaults to secp384r1. */
  keyAlgo?: 'rsa' | 'prime256v1' | 'secp384r1';
  /** --force: renew although the certificate is not due. */
  force?: boolean;
  env?: Record<string, string>;
  /** BASEDIR; pass the previous run's to renew. */
  dir?: string;
}

export interface DehydratedPaths {
  dir: string;
  config: string;
  certDir: string;
  privkey: string;
  cert: string;
  chain: string;
  fullchain: string;
}

/** Register (`--register --accept-terms`) then `-c` for one certificate named after domains[0]. */
export async function dehydratedRun(opts: DehydratedOptions): Promise<ClientResult<DehydratedPaths>> {
  const dir = await runDir(opts.pebble, 'dehydrated', opts.dir);
  const challengeType = opts.challengeType ?? (isWildcard(opts.domains) ? 'dns-01' : 'http-01');
  // a wildcard first domain needs an alias for its folder name; use the bare domain
  const alias = opts.domains[0]!.replace(/^\*\./, '');
  const certDir = join(dir, 'certs', alias);
  const config = join(dir, 'config');
  await mkdir(join(dir, 'wellknown'), { recursive: true });
  // the config is sourced by bash; CURL_OPTS is word-split unquoted, so paths must hold no spaces
  await writeFile(
    config,
    [
      `CA=${shQuote(opts.pebble.directoryUrl)}`,
      `BASEDIR=${shQuote(dir)}`,
      `WELLKNOWN=${shQuote(join(dir, 'wellknown'))}`,
      `HOOK=${shQuote(opts.hookPath)}`,
      `CHALLENGETYPE=${shQuote(challengeType)}`,
      `CURL_OPTS=${shQuote(`--cacert ${opts.pebble.caBundlePath}`)}`,
      `KEY_ALGO=${shQuote(opts.keyAlgo ?? 'secp384r1')}`,
      // KEYSIZE also sizes the RSA account key: 4096 (default) costs ~9 s per registration
      'KEYSIZE="2048"',
      'CONTACT_EMAIL="e2e@example.com"',
      `LOCKFILE=${shQuote(join(dir, 'lock'))}`,
      '',
    ].join('\n'),
  );
  const env = { ...baseEnv(dir), ...opts.env };
  const paths = {
    dir,
    config,
    certDir,
    privkey: join(certDir, 'privkey.pem'),
    cert: join(certDir, 'cert.pem'),
    chain: join(certDir, 'chain.pem'),
    fullchain: join(certDir, 'fullchain.pem'),
  };
  const reg = await runCommand('dehydrated', ['-f', config, '--register', '--accept-terms'], env, dir);
  if (reg.exitCode !== 0) return { ...reg, paths };
  const sign = await runCommand(
    'dehydrated',
    [
      '-f',
      config,
      '-c',
      '--alias',
      alias,
      ...opts.domains.flatMap((d) => ['-d', d]),
      ...(opts.force ? ['--force'] : []),
    ],
    env,
    dir,
  );
  return {
    ...sign,
    stdout: reg.stdout + sign.stdout,
    stderr: reg.stderr + sign.stderr,
    durationMs: reg.durationMs + sign.durationMs,
    timedOut: reg.timedOut || sign.timedOut,
    paths,
  };
}
