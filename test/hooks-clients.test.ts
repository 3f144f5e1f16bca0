/**
 * The hook executables `hooks/lego`, `hooks/certbot` and `hooks/dehydrated` as child processes,
 * run from an unrelated working directory with exactly the environment or arguments each client
 * gives, on files laid out as each client writes them, against the sandbox.
 */
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { startSandbox } from '../src/sandbox/index.js';
import type { Sandbox, SeedRecord } from '../src/sandbox/index.js';
import { fixture, fixtureText, ROOT, type CliResult } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };
const MANIFEST = JSON.parse(fixtureText('manifest.json')) as { leaves: Record<string, { fingerprint256: string }> };
const HANDLERS = [
  'deploy_challenge',
  'clean_challenge',
  'unchanged_cert',
  'invalid_challenge',
  'request_failure',
  'startup_hook',
  'exit_hook',
  'sync_cert',
  'generate_csr',
  'deploy_ocsp',
  'a_handler_from_the_future',
];

/** Run hooks/NAME directly (its shebang finds node on PATH), with only this environment. */
function runHook(
  name: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  nodeArgs: string[] = [],
): Promise<CliResult> {
  const hook = `${ROOT}hooks/${name}`;
  if (!existsSync(`${ROOT}dist/hooks/${name}.js`))
    throw new Error(`dist/hooks/${name}.js is missing: run npm run build first (npm test does)`);
  const [cmd, argv] = nodeArgs.length > 0 ? [process.execPath, [...nodeArgs, hook, ...args]] : [hook, args];
  return new Promise((resolve) => {
    execFile(
      cmd,
      argv,
      {
        cwd,
        env: {
          PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
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

async function workDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bch-hooks-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'elsewhere'));
  return dir;
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

const settings = (sb: Sandbox) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  SLACK_WEBHOOK_URL: sb.slackUrl,
});

/** The sandbox now holds `leaf` under `id`, with `keyFile`'s key, and Slack was told about `domain`. */
function assertDeployed(t: Test, sb: Sandbox, r: CliResult, id: string, leaf: string, keyFile: string, domain: string) {
  t.equal(r.code, 0, r.stderr);
  const stored = sb.records().find((x) => String(x.id) === id);
  const cert = new X509Certificate(stored!.certificate);
  t.equal(cert.fingerprint256, MANIFEST.leaves[leaf].fingerprint256, `record ${id} holds the ${leaf} leaf`);
  t.equal(stored!.key.trim(), fixtureText(keyFile).trim(), 'the key as the client wrote it');
  t.ok(cert.checkPrivateKey(createPrivateKey(stored!.key)), 'the stored key belongs to the stored leaf');
  t.equal(sb.slackMessages.length, 1);
  const msg = sb.slackMessages[0] as any;
  t.equal(msg.attachments[0].pretext, 'Renewed SSL certificate successfully');
  t.same(msg.attachments[0].fields.find((f: any) => f.title === 'Domain')?.value, domain);
  t.match(r.stdout, new RegExp(`upload: updated Beluga certificate id=${id}`));
  const all = r.stdout + r.stderr;
  for (const secret of [TOKEN.tokenSecret, sb.slackUrl]) t.notOk(all.includes(secret), 'no secret printed');
  t.notMatch(all, /PRIVATE KEY/);
}

/** lego's `<path>/certificates/` for NAME: .crt = bundle, .key, .issuer.crt; 0600 in a 0700 folder. */
async function legoFiles(dir: string, name: string, leaf: string, key: string): Promise<Record<string, string>> {
  const certs = join(dir, '.lego', 'certificates');
  await mkdir(certs, { recursive: true, mode: 0o700 });
  const files = {
    crt: join(certs, `${name}.crt`),
    key: join(certs, `${name}.key`),
    issuer: join(certs, `${name}.issuer.crt`),
  };
  await writeFile(files.crt, fixtureText(leaf) + (leaf.includes('bundle') ? '' : fixtureText('chain.pem')), {
    mode: 0o600,
  });
  await copyFile(fixture(key), files.key);
  await copyFile(fixture('chain.pem'), files.issuer);
  await Promise.all([chmod(files.key, 0o600), chmod(files.issuer, 0o600)]);
  return files;
}

t.test('lego v4 (--renew-hook): bundle, SEC1 key, issuer file; Slack told', async (t) => {
  const dir = await workDir(t);
  const f = await legoFiles(dir, 'example.com', 'ec256.bundle.crt', 'ec256.sec1.key');
  const sb = await sandbox(t, [oldRecord('1001')]);
  const r = await runHook(
    'lego',
    [],
    {
      ...settings(sb),
      LEGO_ACCOUNT_EMAIL: 'ops@example.com',
      LEGO_CERT_DOMAIN: 'example.com',
      LEGO_CERT_PATH: f.crt,
      LEGO_CERT_KEY_PATH: f.key,
      LEGO_ISSUER_CERT_PATH: f.issuer,
      LEGO_CERT_PEM_PATH: join(dir, '.lego/certificates/example.com.pem'),
      LEGO_CERT_PFX_PATH: join(dir, '.lego/certificates/example.com.pfx'),
    },
    join(dir, 'elsewhere'),
  );
  assertDeployed(t, sb, r, '1001', 'ec256', 'ec256.sec1.key', 'example.com');
  t.equal(sb.records()[0].chain, fixtureText('chain.pem'), 'intermediates once, in order, though in both files');
});

t.test('lego v5 (--deploy-hook): LEGO_HOOK_* names, PKCS#8 key, no issuer file written', async (t) => {
  const dir = await workDir(t);
  const f = await legoFiles(dir, 'example.com', 'ec256.bundle.crt', 'ec256.pkcs8.key');
  await unlink(f.issuer);
  const sb = await sandbox(t, [oldRecord('1001', ['example.com']), oldRecord('2002', ['www.example.com'])]);
  const r = await runHook(
    'lego',
    [],
    {
      ...settings(sb),
      LEGO_HOOK_ACCOUNT_EMAIL: 'ops@example.com',
      LEGO_HOOK_CERT_NAME: 'example.com',
      LEGO_HOOK_CERT_NAME_SANITIZED: 'example.com',
      LEGO_HOOK_CERT_KEY_TYPE: 'ec256',
      LEGO_HOOK_CERT_DOMAINS: 'www.example.com,example.com',
      LEGO_HOOK_CERT_PATH: f.crt,
      LEGO_HOOK_CERT_KEY_PATH: f.key,
      LEGO_HOOK_ISSUER_CERT_PATH: f.issuer,
    },
    join(dir, 'elsewhere'),
  );
  // The domain is www.example.com (first of LEGO_HOOK_CERT_DOMAINS): only record 2002 holds it.
  assertDeployed(t, sb, r, '2002', 'ec256', 'ec256.pkcs8.key', 'www.example.com');
  t.equal(sb.records().find((x) => x.id === '2002')!.chain, fixtureText('chain.pem'), 'chain from the bundle');
});

t.test(
  'lego wildcard: *.example.com in _.example.com.* files, deployed to the record holding the wildcard',
  async (t) => {
    const dir = await workDir(t);
    const f = await legoFiles(dir, '_.example.com', 'wildcard.crt', 'wildcard.key');
    t.ok(f.crt.endsWith('/_.example.com.crt'));
    const sb = await sandbox(t, [oldRecord('1001'), oldRecord('3003', ['*.example.com', 'example.com'])]);
    const r = await runHook(
      'lego',
      [],
      {
        ...settings(sb),
        LEGO_CERT_DOMAIN: '*.example.com',
        LEGO_CERT_PATH: f.crt,
        LEGO_CERT_KEY_PATH: f.key,
        LEGO_ISSUER_CERT_PATH: f.issuer,
      },
      join(dir, 'elsewhere'),
    );
    assertDeployed(t, sb, r, '3003', 'wildcard', 'wildcard.key', '*.example.com');
    t.equal(
      sb.records().find((x) => x.id === '1001')!.certificate,
      fixtureText('rsa2048.crt'),
      'the other record untouched',
    );
  },
);

t.test("lego: deploy failures pass the pipeline's exit code on; a missing variable is named", async (t) => {
  const dir = await workDir(t);
  const f = await legoFiles(dir, 'example.com', 'ec256.bundle.crt', 'ec256.sec1.key');
  const sb = await sandbox(t, []);
  const env = { ...settings(sb), LEGO_CERT_DOMAIN: 'example.com', LEGO_CERT_PATH: f.crt, LEGO_CERT_KEY_PATH: f.key };
  const none = await runHook('lego', [], env, join(dir, 'elsewhere'));
  t.equal(none.code, 20, 'NO_RECORD');
  t.match(none.stderr, /^beluga-cert: NO_RECORD: no Beluga certificate holds example.com/);
  t.equal((sb.slackMessages[0] as any).attachments[0].color, 'danger', 'the failure told to Slack');

  const { LEGO_CERT_KEY_PATH: _k, ...noKey } = env;
  const before = sb.requests.length + sb.slackRequests.length;
  const missing = await runHook('lego', [], noKey, join(dir, 'elsewhere'));
  t.equal(missing.code, 3);
  t.equal(
    missing.stderr,
    'beluga-cert: CONFIG: lego hook: missing LEGO_CERT_KEY_PATH (lego v4 sets it together with LEGO_CERT_PATH)\n',
  );
  t.equal(missing.stdout, '');
  t.equal(sb.requests.length + sb.slackRequests.length, before, 'nothing sent anywhere');
});

/** A certbot lineage: live/NAME/*.pem symlinks into ../../archive/NAME/*1.pem, PKCS#8 key. */
async function certbotLineage(dir: string, name: string): Promise<string> {
  const live = join(dir, 'letsencrypt', 'live', name);
  const archive = join(dir, 'letsencrypt', 'archive', name);
  await mkdir(live, { recursive: true });
  await mkdir(archive, { recursive: true });
  const files: Record<string, string> = {
    cert: 'ec256.crt',
    chain: 'chain.pem',
    fullchain: 'ec256.bundle.crt',
    privkey: 'ec256.pkcs8.key',
  };
  for (const [base, source] of Object.entries(files)) {
    await copyFile(fixture(source), join(archive, `${base}1.pem`));
    await symlink(`../../archive/${name}/${base}1.pem`, join(live, `${base}.pem`));
  }
  await chmod(join(archive, 'privkey1.pem'), 0o600);
  return live;
}

t.test("certbot (--deploy-hook): the lineage's symlinked files, first of RENEWED_DOMAINS", async (t) => {
  const dir = await workDir(t);
  const live = await certbotLineage(dir, 'example.com');
  const sb = await sandbox(t, [oldRecord('1001')]);
  const r = await runHook(
    'certbot',
    [],
    { ...settings(sb), RENEWED_LINEAGE: live, RENEWED_DOMAINS: 'example.com www.example.com' },
    join(dir, 'elsewhere'),
  );
  assertDeployed(t, sb, r, '1001', 'ec256', 'ec256.pkcs8.key', 'example.com');
  t.equal(sb.records()[0].chain, fixtureText('chain.pem'));
  t.match(r.stdout, /chain of 2 intermediate/);
});

t.test('certbot: no chain.pem is fine; a failure still gives its code; no RENEWED_LINEAGE is explained', async (t) => {
  const dir = await workDir(t);
  const live = await certbotLineage(dir, 'example.com');
  await unlink(join(live, 'chain.pem'));
  const sb = await sandbox(t, [oldRecord('1001')]);
  const ok = await runHook(
    'certbot',
    [],
    { ...settings(sb), RENEWED_LINEAGE: live, RENEWED_DOMAINS: 'example.com' },
    join(dir, 'elsewhere'),
  );
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /warning: no intermediate certificates found/);

  const wrong = await runHook(
    'certbot',
    [],
    { ...settings(sb), RENEWED_LINEAGE: live, RENEWED_DOMAINS: 'example.org' },
    join(dir, 'elsewhere'),
  );
  t.equal(wrong.code, 17, 'DOMAIN_NOT_IN_CERT');
  t.match(wrong.stderr, /^beluga-cert: DOMAIN_NOT_IN_CERT: .*does not cover example.org/);

  const bare = await runHook('certbot', [], settings(sb), join(dir, 'elsewhere'));
  t.equal(bare.code, 3);
  t.equal(
    bare.stderr,
    'beluga-cert: CONFIG: certbot hook: missing RENEWED_LINEAGE; certbot sets it only for deploy hooks: run this as certbot --deploy-hook /path/to/hooks/certbot, or put it (executable) in /etc/letsencrypt/renewal-hooks/deploy/\n',
  );
});

/** dehydrated's certs/NAME/: privkey.pem (SEC1), cert.pem, fullchain.pem, chain.pem. */
async function dehydratedFiles(dir: string, name: string): Promise<string[]> {
  const certs = join(dir, 'certs', name);
  await mkdir(certs, { recursive: true });
  const files = {
    'privkey.pem': 'ec256.sec1.key',
    'cert.pem': 'ec256.crt',
    'fullchain.pem': 'ec256.bundle.crt',
    'chain.pem': 'chain.pem',
  };
  for (const [base, source] of Object.entries(files)) await copyFile(fixture(source), join(certs, base));
  return ['privkey.pem', 'cert.pem', 'fullchain.pem', 'chain.pem'].map((base) => join(certs, base));
}

t.test('dehydrated deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE TIMESTAMP', async (t) => {
  const dir = await workDir(t);
  const files = await dehydratedFiles(dir, 'www.example.com');
  const sb = await sandbox(t, [oldRecord('1001')]);
  const r = await runHook(
    'dehydrated',
    ['deploy_cert', 'www.example.com', ...files, '1700000000'],
    settings(sb),
    join(dir, 'elsewhere'),
  );
  assertDeployed(t, sb, r, '1001', 'ec256', 'ec256.sec1.key', 'www.example.com');
  t.equal(sb.records()[0].chain, fixtureText('chain.pem'));

  const mismatch = await runHook(
    'dehydrated',
    ['deploy_cert', 'www.example.com', fixture('other.key'), ...files.slice(1), '1'],
    settings(sb),
    join(dir, 'elsewhere'),
  );
  t.equal(mismatch.code, 14, 'KEY_MISMATCH: non-zero, so dehydrated aborts its run');

  const short = await runHook(
    'dehydrated',
    ['deploy_cert', 'www.example.com', files[0], files[1]],
    settings(sb),
    join(dir, 'elsewhere'),
  );
  t.equal(short.code, 3);
  t.equal(
    short.stderr,
    'beluga-cert: CONFIG: dehydrated hook: deploy_cert is missing FULLCHAINFILE, CHAINFILE; dehydrated calls it as deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE TIMESTAMP\n',
  );
  t.equal(sb.requests.filter((q) => q.method !== 'GET').length, 1, 'only the first call uploaded');
});

t.test('dehydrated: every other handler exits 0 silently, sends nothing, loads no pipeline', async (t) => {
  const dir = await workDir(t);
  const sb = await sandbox(t, [oldRecord('1001')]);
  for (const name of HANDLERS) {
    const r = await runHook(
      'dehydrated',
      [name, 'example.com', 'token-value', 'key-authorization'],
      settings(sb),
      join(dir, 'elsewhere'),
    );
    t.same(r, { code: 0, stdout: '', stderr: '' }, name);
  }
  t.equal(sb.requests.length + sb.slackRequests.length, 0, 'no request to the sandbox');

  // Record every module the hook loads: CommonJS (the launcher and its bundle) through a preload
  // that lists require.cache at exit, ES modules (node-fetch would be one) through a resolve hook.
  const log = join(dir, 'modules.log');
  await writeFile(
    join(dir, 'log-resolve.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
  );
  await writeFile(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module'; register(${JSON.stringify(`file://${join(dir, 'log-resolve.mjs')}`)});\n`,
  );
  await writeFile(
    join(dir, 'list-cjs.cjs'),
    `process.on('exit', () => require('node:fs').appendFileSync(${JSON.stringify(log)}, Object.keys(require.cache).join('\\n') + '\\n'));\n`,
  );
  const nodeArgs = ['--import', join(dir, 'register.mjs'), '--require', join(dir, 'list-cjs.cjs')];
  // A config file that does not exist: had the pipeline run, it would say so and exit 3.
  const quiet = await runHook(
    'dehydrated',
    ['startup_hook'],
    { ...settings(sb), BELUGA_HOOK_CONFIG: join(dir, 'no-such-config') },
    join(dir, 'elsewhere'),
    nodeArgs,
  );
  t.same(quiet, { code: 0, stdout: '', stderr: '' }, 'the no-op path reads no configuration');
  const loaded = readFileSync(log, 'utf8');
  t.match(loaded, /dist\/hooks-bundle\/dehydrated\.cjs/, 'the log works: the hook runs from its bundle');
  t.notMatch(loaded, /node-fetch|yargs|node-forge|execa/, 'no library is loaded on the no-op path');

  await writeFile(log, '');
  const lego = await runHook(
    'lego',
    [],
    { BELUGA_HOOK_CONFIG: join(dir, 'no-such-config') },
    join(dir, 'elsewhere'),
    nodeArgs,
  );
  t.equal(lego.code, 3);
  t.match(lego.stderr, /lego hook: missing LEGO_HOOK_CERT_PATH/, 'the adapter speaks before any configuration is read');
  t.match(readFileSync(log, 'utf8'), /dist\/hooks-bundle\/lego\.cjs/);
  t.notMatch(
    readFileSync(log, 'utf8'),
    /node-fetch|yargs|node-forge|execa/,
    'a missing variable is reported without any library',
  );
});
