/**
 * The acme.sh deploy hook `hooks/acme.sh/beluga.sh`, sourced by bash and by sh as acme.sh does,
 * calling the built CLI through a wrapper that records its arguments: the upload reaches the
 * sandbox, the exit status comes back, and no argument carries a secret.
 */
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/index.js';
import type { Sandbox, SeedRecord } from '../src/sandbox/index.js';
import { CLI, fixture, fixtureText, ROOT, type CliResult } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';
import { testPath } from './helpers/test-path.js';

const HOOK = `${ROOT}hooks/acme.sh/beluga.sh`;
const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };
const MANIFEST = JSON.parse(fixtureText('manifest.json')) as { leaves: Record<string, { fingerprint256: string }> };
// The machine's programs without any installed beluga-cert (a `sudo ./install.sh` puts one in
// /usr/local/bin): "not on PATH" must mean not on this PATH, whatever the machine has.
const SYSTEM_PATH = testPath();
/** Stand-ins for acme.sh's helpers, as its deploy command defines them before sourcing a hook. */
const ACME_HELPERS =
  '_info() { echo "[acme info] $*"; }; _err() { echo "[acme err] $*" >&2; }; ' +
  '_getdeployconf() { :; }; _savedeployconf() { echo "$1=$2" >> "$SAVED_LOG"; }; ';

interface Setup {
  dir: string;
  bin: string;
  argsLog: string;
  files: string[];
}

/** acme.sh's DOMAIN_ecc folder (wildcards keep the `*`), and a beluga-cert that records "$@". */
async function setup(t: Test, domain = 'example.com', leaf = 'ec256', key = 'ec256.sec1.key'): Promise<Setup> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
  const dir = await mkdtemp(join(tmpdir(), 'bch-acmesh-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const home = join(dir, '.acme.sh', `${domain}_ecc`);
  await mkdir(home, { recursive: true });
  await mkdir(join(dir, 'bin'));
  const files = [`${domain}.key`, `${domain}.cer`, 'ca.cer', 'fullchain.cer'].map((f) => join(home, f));
  await copyFile(fixture(key), files[0]);
  await copyFile(fixture(`${leaf}.crt`), files[1]);
  await copyFile(fixture('chain.pem'), files[2]);
  await writeFile(files[3], fixtureText(`${leaf}.crt`) + fixtureText('chain.pem'));
  const argsLog = join(dir, 'args.log');
  const bin = join(dir, 'bin', 'beluga-cert');
  // One argument per line, then the real CLI with the same arguments.
  await writeFile(
    bin,
    `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(argsLog)}\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
  );
  await chmod(bin, 0o755);
  return { dir, bin, argsLog, files };
}

async function sandbox(t: Test, records: SeedRecord[]): Promise<Sandbox> {
  const sb = await startSandbox({ credentials: TOKEN, records });
  t.teardown(() => sb.close());
  return sb;
}

const oldRecord = (id: string, names?: string[]): SeedRecord => ({
  id,
  site: `site-${id}`,
  certificate: fixtureText('rsa2048.crt'),
  key: fixtureText('rsa2048.pkcs1.key'),
  ...(names ? { names } : {}),
});

/** `SHELL -c 'PRELUDE . HOOK; beluga_deploy "$@"'` with acme.sh's five arguments, from `cwd`. */
function deploy(
  shell: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  prelude = '',
): Promise<CliResult> {
  return new Promise((resolve) => {
    // --norc: bash reads ~/.bashrc when its stdin is a socket, as it is under node (rshd detection).
    const flags = shell === 'bash' ? ['--norc', '-c'] : ['-c'];
    execFile(
      shell,
      [...flags, `${prelude}. "$HOOK"; beluga_deploy "$@"`, 'acme.sh', ...args],
      {
        cwd,
        env: {
          PATH: SYSTEM_PATH,
          HOME: cwd,
          HOOK,
          BELUGA_HOOK_CONFIG: 'none',
          BELUGA_HOOK_STATE_DIR: tempStateDir(),
          ...env,
        },
        timeout: 60_000,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

const settings = (sb: Sandbox) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  SLACK_WEBHOOK_URL: sb.slackUrl,
});

/** Every secret the run knows: credentials, the webhook URL and the key's base64 lines. */
function secrets(sb: Sandbox, keyFile: string): string[] {
  const keyLines = fixtureText(keyFile)
    .split('\n')
    .filter((l) => l.length > 20 && !l.startsWith('-----'));
  return [TOKEN.tokenSecret, sb.slackUrl, ...keyLines];
}

for (const shell of ['bash', 'sh']) {
  t.test(
    `${shell}: beluga_deploy runs BELUGA_CERT_BIN deploy with paths only; the sandbox holds the leaf`,
    async (t) => {
      const s = await setup(t);
      const sb = await sandbox(t, [oldRecord('1001')]);
      const [key, cer, ca, full] = s.files;
      const r = await deploy(
        shell,
        ['example.com', key, cer, ca, full],
        { ...settings(sb), BELUGA_CERT_BIN: s.bin },
        tmpdir(),
      );
      t.equal(r.code, 0, r.stderr);
      t.same(readFileSync(s.argsLog, 'utf8').split('\n').slice(0, -1), [
        'deploy',
        '--cert',
        cer,
        '--key',
        key,
        '--chain',
        ca,
        '--domain',
        'example.com',
      ]);
      const argv = readFileSync(s.argsLog, 'utf8');
      for (const secret of secrets(sb, 'ec256.sec1.key'))
        t.notOk(argv.includes(secret), `no secret among the arguments (${secret.slice(0, 6)}…)`);
      const stored = sb.records()[0];
      t.equal(new X509Certificate(stored.certificate).fingerprint256, MANIFEST.leaves.ec256.fingerprint256);
      t.equal(stored.key.trim(), fixtureText('ec256.sec1.key').trim());
      t.equal(stored.chain, fixtureText('chain.pem'));
      t.equal((sb.slackMessages[0] as any).attachments[0].pretext, 'Renewed SSL certificate successfully');
      t.match(r.stdout, /^beluga: deploying example.com with .*beluga-cert\n/);
      t.match(r.stdout, /upload: updated Beluga certificate id=1001\n/);
      t.match(r.stdout, /beluga: example.com deployed\n$/);
      for (const secret of secrets(sb, 'ec256.sec1.key'))
        t.notOk((r.stdout + r.stderr).includes(secret), 'no secret printed');
    },
  );
}

t.test(
  "a wildcard (literal * in acme.sh's folder), beluga-cert found on PATH, acme.sh's _info/_err and saved settings",
  async (t) => {
    const s = await setup(t, '*.example.com', 'wildcard', 'wildcard.key');
    t.ok(s.files[0].includes('/*.example.com_ecc/'));
    const sb = await sandbox(t, [oldRecord('1001'), oldRecord('3003', ['*.example.com', 'example.com'])]);
    const saved = join(s.dir, 'saved.log');
    const r = await deploy(
      'sh',
      ['*.example.com', ...s.files],
      { ...settings(sb), PATH: `${join(s.dir, 'bin')}:${SYSTEM_PATH}`, SAVED_LOG: saved },
      s.dir,
      ACME_HELPERS,
    );
    t.equal(r.code, 0, r.stderr);
    t.same(readFileSync(s.argsLog, 'utf8').split('\n').slice(0, -1), [
      'deploy',
      '--cert',
      s.files[1],
      '--key',
      s.files[0],
      '--chain',
      s.files[2],
      '--domain',
      '*.example.com',
    ]);
    t.equal(
      new X509Certificate(sb.records().find((x) => x.id === '3003')!.certificate).fingerprint256,
      MANIFEST.leaves.wildcard.fingerprint256,
    );
    t.match(r.stdout, /^\[acme info\] beluga: deploying \*\.example\.com with /);
    t.match(r.stdout, /\[acme info\] beluga: \*\.example\.com deployed/);
    t.equal(readFileSync(saved, 'utf8'), 'BELUGA_HOOK_CONFIG=none\n', 'the config path is kept for renewals');

    const again = await deploy(
      'sh',
      ['*.example.com', ...s.files],
      { ...settings(sb), BELUGA_CERT_BIN: s.bin, SAVED_LOG: saved },
      s.dir,
      ACME_HELPERS,
    );
    t.equal(again.code, 0, again.stderr);
    t.equal(
      readFileSync(saved, 'utf8'),
      `BELUGA_HOOK_CONFIG=none\nBELUGA_CERT_BIN=${s.bin}\nBELUGA_HOOK_CONFIG=none\n`,
      'paths kept for renewals; no secret is saved',
    );
  },
);

t.test('the exit status of beluga-cert is returned, and said through _err', async (t) => {
  const s = await setup(t);
  const sb = await sandbox(t, []);
  const r = await deploy(
    'bash',
    ['example.com', ...s.files],
    { ...settings(sb), BELUGA_CERT_BIN: s.bin },
    tmpdir(),
    ACME_HELPERS,
  );
  t.equal(r.code, 20, 'NO_RECORD');
  t.match(r.stderr, /beluga-cert: NO_RECORD: no Beluga certificate holds example.com/);
  t.match(r.stderr, /\[acme err\] beluga: deploying example.com failed \(beluga-cert exit status 20\)/);
});

t.test('no beluga-cert: a clear error and status 1, nothing sent', async (t) => {
  const s = await setup(t);
  const sb = await sandbox(t, [oldRecord('1001')]);
  const args = ['example.com', ...s.files];
  const notOnPath = await deploy('bash', args, settings(sb), tmpdir());
  t.equal(notOnPath.code, 1);
  t.equal(
    notOnPath.stderr,
    `beluga: beluga-cert is not on PATH (${SYSTEM_PATH}); install it or set BELUGA_CERT_BIN to its path\n`,
  );

  const gone = join(s.dir, 'nowhere', 'beluga-cert');
  const badBin = await deploy('sh', args, { ...settings(sb), BELUGA_CERT_BIN: gone }, tmpdir(), ACME_HELPERS);
  t.equal(badBin.code, 1);
  t.equal(
    badBin.stderr,
    `[acme err] beluga: BELUGA_CERT_BIN=${gone} is not an executable file; set it to the path of beluga-cert\n`,
  );

  await chmod(s.bin, 0o644);
  const notExecutable = await deploy('sh', args, { ...settings(sb), BELUGA_CERT_BIN: s.bin }, tmpdir());
  t.equal(notExecutable.code, 1, 'a file that is not executable is not taken');
  t.equal(sb.requests.length + sb.slackRequests.length, 0);
  t.notOk(existsSync(s.argsLog));
});
