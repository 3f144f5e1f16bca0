/**
 * Where the journal lives when BELUGA_HOOK_STATE_DIR is not set: root's in /var/lib, another
 * user's under their home (XDG_STATE_HOME, else ~/.local/state). The rule in-process with the user
 * passed in, then the lego hook run by an unprivileged user against the sandbox: as root (as here),
 * the child runs as nobody under /usr/bin/setpriv; as any other user, the child runs as that user.
 */
import { chmod, chown, copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import { NOT_OPENED } from '../src/journal/deploy-recorder.js';
import { DEFAULT_STATE_DIR, stateDirFor } from '../src/journal/index.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { fixture, ROOT, type CliResult } from './helpers/run-cli.js';
import { EXAMPLE_RECORD } from './helpers/example-record.js';

t.test('the default state directory: root, another user, XDG_STATE_HOME, and the setting first', async (t) => {
  t.equal(DEFAULT_STATE_DIR, '/var/lib/beluga-cert-hook');
  const dirFor = (setting: string | undefined, uid: number | undefined, env: Record<string, string>) =>
    stateDirFor(setting, { uid, env }, () => '/home/from-passwd');
  t.equal(dirFor(undefined, 0, { HOME: '/root', XDG_STATE_HOME: '/x' }), DEFAULT_STATE_DIR, 'root: /var/lib');
  t.equal(dirFor(undefined, undefined, { HOME: '/h' }), DEFAULT_STATE_DIR, 'no user ids: as root');
  t.equal(dirFor(undefined, 1000, { HOME: '/home/ann' }), '/home/ann/.local/state/beluga-cert-hook');
  t.equal(dirFor(undefined, 1000, { HOME: '/home/ann', XDG_STATE_HOME: '/srv/st' }), '/srv/st/beluga-cert-hook');
  t.equal(
    dirFor(undefined, 1000, { HOME: '/h/ann', XDG_STATE_HOME: 'st' }),
    '/h/ann/.local/state/beluga-cert-hook',
    'a relative XDG_STATE_HOME is ignored, as the XDG spec says',
  );
  t.equal(
    dirFor(undefined, 1000, { XDG_STATE_HOME: '' }),
    '/home/from-passwd/.local/state/beluga-cert-hook',
    'no HOME: the home directory the system knows',
  );
  t.equal(dirFor('/etc/elsewhere', 1000, { XDG_STATE_HOME: '/x' }), '/etc/elsewhere');
  t.equal(dirFor('/etc/elsewhere', 0, {}), '/etc/elsewhere');
  t.equal(dirFor('', 0, {}), DEFAULT_STATE_DIR, 'an empty setting is unset');
});

// ----------------------------------------------------------- the lego hook as an unprivileged user

const SETPRIV = '/usr/bin/setpriv';
const ENV = '/usr/bin/env';
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
/** The child's user: nobody when the tests run as root, else the tests' own user. */
const childUid = asRoot ? NOBODY : process.getuid?.();
const skip =
  asRoot && !existsSync(SETPRIV)
    ? `root without ${SETPRIV}: no way to run the hook as another user`
    : !existsSync(ENV)
      ? `no ${ENV} to run the hook without tap's NODE_OPTIONS`
      : false;

const TOKEN = { tokenId: 'user-id', tokenSecret: 'user-secret-0123456789' };

/** A fresh directory the child's user owns (mode 0700 unless told), removed after the test. */
async function ownedDir(t: Test, mode = 0o700): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bch-user-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  if (asRoot) await chown(dir, NOBODY, NOBODY);
  await chmod(dir, mode);
  return dir;
}

/** The renewed certificate and key as lego leaves them, readable by the child's user only. */
async function legoFiles(t: Test): Promise<{ cert: string; key: string }> {
  const dir = await ownedDir(t);
  const files = { cert: join(dir, 'example.com.crt'), key: join(dir, 'example.com.key') };
  await copyFile(fixture('ec256.bundle.crt'), files.cert);
  await copyFile(fixture('ec256.sec1.key'), files.key);
  for (const f of Object.values(files)) {
    if (asRoot) await chown(f, NOBODY, NOBODY);
    await chmod(f, 0o600);
  }
  return files;
}

/** hooks/lego as lego runs it, with exactly this environment (no BELUGA_HOOK_STATE_DIR unless given). */
async function legoAsUser(env: Record<string, string>, files: { cert: string; key: string }): Promise<CliResult> {
  const hook = [`${ROOT}hooks/lego`];
  // tap adds NODE_OPTIONS (its process-info loader, which writes as this user into .tap/) to every child: drop it.
  const node = ['-u', 'NODE_OPTIONS', process.execPath, ...hook];
  const asNobody = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ENV, ...node];
  const [file, args] = asRoot ? [SETPRIV, asNobody] : [ENV, node];
  const r = await execa(file, args, {
    env: {
      BELUGA_HOOK_CONFIG: 'none',
      LEGO_CERT_DOMAIN: 'example.com',
      LEGO_CERT_PATH: files.cert,
      LEGO_CERT_KEY_PATH: files.key,
      ...env,
    },
    extendEnv: false,
    timeout: 60_000,
    killSignal: 'SIGKILL',
    reject: false,
    stripFinalNewline: false,
  });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function sandbox(t: Test): Promise<Sandbox> {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [EXAMPLE_RECORD],
  });
  t.teardown(() => sb.close());
  return sb;
}

const settings = (sb: Sandbox) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
});

/** No internal error text, in any form, reaches the user. */
function noInternalText(t: Test, r: CliResult): void {
  t.notMatch(r.stdout + r.stderr, /Cannot read properties|TypeError|undefined|INTERNAL/);
}

async function journalIn(t: Test, dir: string): Promise<void> {
  t.same((await readdir(dir)).sort(), ['domain_example.com.json', 'record_1001.json'], `the journal is in ${dir}`);
  t.equal((await stat(dir)).mode & 0o777, 0o700, 'made 0700');
  t.equal((await stat(dir)).uid, childUid, 'owned by the user who ran the hook');
}

t.test('not root, no XDG_STATE_HOME: the journal goes to ~/.local/state/beluga-cert-hook', { skip }, async (t) => {
  const sb = await sandbox(t);
  const home = await ownedDir(t);
  const r = await legoAsUser({ ...settings(sb), HOME: home }, await legoFiles(t));
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^upload: updated Beluga certificate id=1001$/m);
  t.equal(r.stderr, '');
  noInternalText(t, r);
  await journalIn(t, join(home, '.local/state/beluga-cert-hook'));
});

t.test('not root, XDG_STATE_HOME set: the journal goes to $XDG_STATE_HOME/beluga-cert-hook', { skip }, async (t) => {
  const sb = await sandbox(t);
  const home = await ownedDir(t);
  const xdg = await ownedDir(t);
  const r = await legoAsUser({ ...settings(sb), HOME: home, XDG_STATE_HOME: xdg }, await legoFiles(t));
  t.equal(r.code, 0, r.stdout + r.stderr);
  noInternalText(t, r);
  await journalIn(t, join(xdg, 'beluga-cert-hook'));
  t.same(await readdir(home), [], 'nothing under HOME');
});

t.test('BELUGA_HOOK_STATE_DIR still wins for a user', { skip }, async (t) => {
  const sb = await sandbox(t);
  const home = await ownedDir(t);
  const xdg = await ownedDir(t);
  const state = join(await ownedDir(t), 'state');
  const env = { ...settings(sb), HOME: home, XDG_STATE_HOME: xdg, BELUGA_HOOK_STATE_DIR: state };
  const r = await legoAsUser(env, await legoFiles(t));
  t.equal(r.code, 0, r.stdout + r.stderr);
  await journalIn(t, state);
  t.same(await readdir(xdg), [], 'nothing under XDG_STATE_HOME');
});

t.test('an unmakeable default state directory: a CONFIG line saying so, no internal text', { skip }, async (t) => {
  const sb = await sandbox(t);
  // A home the user cannot write to: ~/.local cannot be made.
  const home = await mkdtemp(join(tmpdir(), 'bch-locked-'));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  await chmod(home, 0o555);
  const r = await legoAsUser({ ...settings(sb), HOME: home }, await legoFiles(t));
  t.equal(r.code, 3, r.stdout + r.stderr);
  const dir = join(home, '.local/state/beluga-cert-hook');
  t.equal(
    r.stderr,
    `beluga-cert: CONFIG: state directory ${dir} cannot be created (EACCES); ` +
      'set BELUGA_HOOK_STATE_DIR to a directory this user owns, or fix its permissions\n',
  );
  const warning = `warning: could not record the pending certificate in the journal: ${NOT_OPENED}`;
  t.ok(r.stdout.split('\n').includes(warning), `the warning says why nothing is pending: ${r.stdout}`);
  t.notMatch(r.stdout, /^pending:/m, 'nothing claims the certificate is pending');
  noInternalText(t, r);
  t.same(sb.requests, [], 'no request before the journal is there');
});
