/**
 * `--dehydrated-dir` and `--acme-sh-home`, on the layouts those clients write: dehydrated's
 * cert.pem/privkey.pem are links to the newest of its versioned files (an older version beside
 * them is never read), acme.sh keeps RSA in DOMAIN/ and ECDSA in DOMAIN_ecc/ (two certificates),
 * and a folder that is not such a store is exit 4 (STORE_UNUSABLE) saying what such a store holds.
 */
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { EXIT } from '../src/errors.js';
import { scanStores, type ScanResult } from '../src/stores/index.js';
import type { StatusRow } from '../src/commands/status.js';
import { certMaker } from './helpers/make-certs.js';
import { startSandbox } from './helpers/sandbox.js';
import { fixture, fixtureText, runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'stores-id', tokenSecret: 'stores-dehydrated-acmesh-0123' };
const fingerprint = (name: string) => new X509Certificate(fixtureText(name)).fingerprint256;
const NEWEST = fingerprint('ec256.crt');
const OLDER = fingerprint('rsa2048.crt');
const put = (from: string, to: string) => copyFile(fixture(from), to);

const root = await mkdtemp(join(tmpdir(), 'stores-dehydrated-acmesh-'));
t.teardown(() => rm(root, { recursive: true, force: true }));

/**
 * dehydrated's BASEDIR: certs/example.com/ with two versions (the links point at the newer, EC one),
 * an alias folder named in domains.txt, a folder without its key, and a certificate folder that is
 * a link to a folder outside the store.
 */
async function dehydratedStore(base: string): Promise<string> {
  const live = join(base, 'certs', 'example.com');
  await mkdir(live, { recursive: true });
  await put('rsa2048.crt', join(live, 'cert-1700000000.pem'));
  await put('rsa2048.pkcs1.key', join(live, 'privkey-1700000000.pem'));
  await put('chain.pem', join(live, 'chain-1700000000.pem'));
  await put('ec256.crt', join(live, 'cert-1800000000.pem'));
  await put('ec256.sec1.key', join(live, 'privkey-1800000000.pem'));
  await put('chain.pem', join(live, 'chain-1800000000.pem'));
  await put('ec256.bundle.crt', join(live, 'fullchain-1800000000.pem'));
  await put('ec256.crt', join(live, 'cert-1800000000.csr')); // a CSR beside them: not read either
  for (const kind of ['cert', 'privkey', 'chain', 'fullchain'])
    await symlink(`${kind}-1800000000.pem`, join(live, `${kind}.pem`));
  const alias = join(base, 'certs', 'net_rsa');
  await mkdir(alias);
  await put('ec384.crt', join(alias, 'cert.pem'));
  await put('ec384.sec1.key', join(alias, 'privkey.pem'));
  await mkdir(join(base, 'certs', 'broken.example.org'));
  await put('multi.crt', join(base, 'certs', 'broken.example.org', 'cert.pem'));
  await writeFile(
    join(base, 'domains.txt'),
    '# domains\nexample.com www.example.com\nexample.net www.example.net>net_rsa\n',
  );
  return base;
}

/** acme.sh's home: its own files and folders, example.com in RSA and in ECDSA, a half-issued folder. */
async function acmeShHome(home: string): Promise<string> {
  await mkdir(join(home, 'ca', 'acme-v02.api.letsencrypt.org', 'directory'), { recursive: true });
  await mkdir(join(home, 'deploy'));
  await mkdir(join(home, 'dnsapi'));
  await writeFile(join(home, 'account.conf'), "LOG_FILE='/root/.acme.sh/acme.sh.log'\n");
  await writeFile(join(home, 'http.header'), 'HTTP/1.1 200 OK\n');
  await writeFile(join(home, 'acme.sh'), '#!/usr/bin/env sh\n');
  for (const [folder, cert, key] of [
    ['example.com', 'rsa2048.crt', 'rsa2048.pkcs1.key'],
    ['example.com_ecc', 'ec256.crt', 'ec256.sec1.key'],
  ] as const) {
    const dir = join(home, folder);
    await mkdir(dir);
    await put(cert, join(dir, 'example.com.cer'));
    await put(key, join(dir, 'example.com.key'));
    await put('chain.pem', join(dir, 'ca.cer'));
    await writeFile(join(dir, 'fullchain.cer'), fixtureText(cert) + fixtureText('chain.pem'));
    await writeFile(join(dir, 'example.com.conf'), "Le_Domain='example.com'\n");
  }
  await mkdir(join(home, 'half.example.org'));
  await put('multi.key', join(home, 'half.example.org', 'half.example.org.key'));
  return home;
}

const dehydrated = await dehydratedStore(join(root, 'dehydrated'));
const acmeSh = await acmeShHome(join(root, 'acme.sh'));
// One certificate folder kept elsewhere and linked in: followed, as certbot's and cert-manager's links are.
await mkdir(join(root, 'elsewhere', 'www.example.net'), { recursive: true });
await put('ec384.crt', join(root, 'elsewhere', 'www.example.net', 'cert.pem'));
await put('ec384.sec1.key', join(root, 'elsewhere', 'www.example.net', 'privkey.pem'));
await symlink(join(root, 'elsewhere', 'www.example.net'), join(dehydrated, 'certs', 'www.example.net'));
// A lego --path, to give to the wrong option.
await mkdir(join(root, 'lego', 'certificates'), { recursive: true });
await put('ec256.bundle.crt', join(root, 'lego', 'certificates', 'example.com.crt'));
await put('ec256.sec1.key', join(root, 'lego', 'certificates', 'example.com.key'));

const summary = (scan: ScanResult) => ({
  certificates: scan.certificates.map(({ label, cert, key, chain, domain }) => ({ label, cert, key, chain, domain })),
  problems: scan.problems.map(({ label, problem }) => `${label}: ${problem}`),
  unusable: (scan.unusable ?? []).map((p) => p.label),
});

t.test('dehydrated: the links in certs/NAME/, the domain from NAME unless domains.txt makes it an alias', async (t) => {
  const scan = summary(await scanStores([{ kind: 'dehydrated', path: dehydrated }]));
  const certs = join(dehydrated, 'certs');
  t.same(scan.certificates, [
    {
      label: 'dehydrated:example.com',
      cert: join(certs, 'example.com', 'cert.pem'),
      key: join(certs, 'example.com', 'privkey.pem'),
      chain: join(certs, 'example.com', 'chain.pem'),
      domain: 'example.com',
    },
    {
      label: 'dehydrated:net_rsa',
      cert: join(certs, 'net_rsa', 'cert.pem'),
      key: join(certs, 'net_rsa', 'privkey.pem'),
      chain: undefined,
      domain: undefined,
    },
    {
      label: 'dehydrated:www.example.net',
      cert: join(certs, 'www.example.net', 'cert.pem'),
      key: join(certs, 'www.example.net', 'privkey.pem'),
      chain: undefined,
      domain: 'www.example.net',
    },
  ]);
  t.same(scan.problems, [
    `dehydrated:broken.example.org: dehydrated certificate folder ${join(certs, 'broken.example.org')} is incomplete: privkey.pem does not exist`,
  ]);
  t.same(scan.unusable, []);

  const inner = summary(await scanStores([{ kind: 'dehydrated', path: certs }]));
  t.same(inner.certificates, scan.certificates, 'the certs/ folder itself is accepted, domains.txt still read');
});

t.test('acme.sh: DOMAIN/ and DOMAIN_ecc/ are two certificates; its own files are no problem', async (t) => {
  const scan = summary(await scanStores([{ kind: 'acme.sh', path: acmeSh }]));
  t.same(
    scan.certificates,
    ['example.com', 'example.com_ecc'].map((folder) => ({
      label: `acme.sh:${folder}`,
      cert: join(acmeSh, folder, 'example.com.cer'),
      key: join(acmeSh, folder, 'example.com.key'),
      chain: join(acmeSh, folder, 'ca.cer'),
      domain: 'example.com',
    })),
  );
  t.same(scan.problems, [
    `acme.sh:half.example.org: acme.sh certificate folder ${join(acmeSh, 'half.example.org')} is incomplete: half.example.org.cer does not exist`,
  ]);
});

t.test('a folder of another kind holds none of these', async (t) => {
  const scan = summary(
    await scanStores([
      { kind: 'acme.sh', path: join(root, 'lego') },
      { kind: 'dehydrated', path: acmeSh },
    ]),
  );
  t.same(scan.certificates, []);
  t.same(scan.unusable, [`--acme-sh-home ${join(root, 'lego')}`, `--dehydrated-dir ${acmeSh}`]);
  t.match(scan.problems, [/^--dehydrated-dir .*: no dehydrated certs\/ folder in /]);
});

const sb = await startSandbox({
  credentials: TOKEN,
  records: [
    { id: '1001', site: 'com', certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') },
    (() => {
      const maker = certMaker();
      return { id: '1002', site: 'net', certificate: maker.cert(['example.net']), key: maker.keyPem };
    })(),
  ],
});
t.teardown(() => sb.close());
const env = (state = tempStateDir()) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  BELUGA_HOOK_STATE_DIR: state,
});

t.test('status --json: the newest dehydrated version, and both acme.sh folders', async (t) => {
  const r = await runCli(['status', '--json', '--dehydrated-dir', dehydrated, '--acme-sh-home', acmeSh], env());
  t.equal(r.code, EXIT.OK, r.stderr);
  const rows = JSON.parse(r.stdout) as StatusRow[];
  t.same(
    rows.map((row) => [row.label, row.domain, row.fingerprint256, row.record]),
    [
      ['acme.sh:example.com', 'example.com', OLDER, '1001'],
      ['acme.sh:example.com_ecc', 'example.com', NEWEST, '1001'],
      ['dehydrated:example.com', 'example.com', NEWEST, '1001'],
      ['dehydrated:net_rsa', 'example.net', fingerprint('ec384.crt'), '1002'], // an alias: the certificate's first name
      ['dehydrated:www.example.net', 'www.example.net', fingerprint('ec384.crt'), null],
    ],
    'dehydrated:example.com is cert-1800000000.pem (the link), never the older cert-1700000000.pem',
  );
  t.match(r.stderr, /skipped dehydrated:broken\.example\.org: .* is incomplete: privkey\.pem does not exist/);
  t.match(r.stderr, /skipped acme\.sh:half\.example\.org: .* is incomplete: half\.example\.org\.cer does not exist/);
  t.notMatch(r.stderr, /account\.conf|http\.header|acme\.sh:(ca|deploy|dnsapi)\b/, "acme.sh's own files say nothing");
});

t.test('metrics: two series for the RSA and the ECDSA certificate of one domain', async (t) => {
  const r = await runCli(['metrics', '--acme-sh-home', acmeSh], env());
  t.equal(r.code, EXIT.OK, r.stderr);
  const series = r.stdout.split('\n').filter((l) => l.startsWith('beluga_cert_not_after_timestamp_seconds{'));
  const store = `acme.sh:${acmeSh}`;
  t.same(
    series.map((l) => l.replace(/ \d+$/, '')),
    [
      `beluga_cert_not_after_timestamp_seconds{name="example.com",store="${store}",certificate="acme.sh:example.com"}`,
      `beluga_cert_not_after_timestamp_seconds{name="example.com",store="${store}",certificate="acme.sh:example.com_ecc"}`,
    ],
    'one series each, told apart by the certificate label',
  );
});

t.test('sync uploads the newest dehydrated version and acme.sh files; metrics then agree', async (t) => {
  const state = tempStateDir();
  const ecc = join(root, 'acme-ecc-only');
  await mkdir(join(ecc, 'example.net_ecc'), { recursive: true });
  await put('ec384.crt', join(ecc, 'example.net_ecc', 'example.net.cer'));
  await put('ec384.sec1.key', join(ecc, 'example.net_ecc', 'example.net.key'));
  await put('chain.pem', join(ecc, 'example.net_ecc', 'ca.cer'));
  const only = join(root, 'dehydrated-one');
  await mkdir(join(only, 'certs'), { recursive: true });
  await symlink(join(dehydrated, 'certs', 'example.com'), join(only, 'certs', 'example.com'));

  const r = await runCli(['sync', '--dehydrated-dir', only, '--acme-sh-home', ecc], env(state));
  t.equal(r.code, EXIT.OK, r.stdout + r.stderr);
  t.match(r.stdout, /^deployed dehydrated:example\.com: example\.com → Beluga certificate id=1001$/m);
  t.match(r.stdout, /^deployed acme\.sh:example\.net_ecc: example\.net → Beluga certificate id=1002$/m);
  const onRecord = (id: string) => sb.records().find((x) => x.id === id)!;
  t.equal(new X509Certificate(onRecord('1001').certificate).fingerprint256, NEWEST, 'the linked, newest version');
  t.equal(new X509Certificate(onRecord('1002').certificate).fingerprint256, fingerprint('ec384.crt'));
  t.match(onRecord('1002').chain ?? '', /BEGIN CERTIFICATE/, 'ca.cer went up as the chain');

  const metrics = await runCli(['metrics', '--dehydrated-dir', only], env(state));
  t.equal(metrics.code, EXIT.OK, metrics.stderr);
  t.match(
    metrics.stdout,
    /^beluga_cert_deployed\{name="example\.com",record="1001"\} 1$/m,
    'the store holds what went up',
  );
});

t.test('a missing folder, or one of another kind: exit 4 and what such a store holds', async (t) => {
  const missing = join(root, 'nonexist');
  for (const [option, args] of [
    ['--dehydrated-dir', ['status', '--json']],
    ['--acme-sh-home', ['status', '--json']],
    ['--dehydrated-dir', ['sync']],
    ['--acme-sh-home', ['metrics']],
  ] as const) {
    const r = await runCli([...args, option, missing], env());
    t.equal(r.code, EXIT.STORE_UNUSABLE, `${args.join(' ')} ${option}: ${r.stdout}${r.stderr}`);
    t.match(r.stdout + r.stderr, `skipped ${option} ${missing}: store folder ${missing} does not exist`);
    t.match(r.stderr, `beluga-cert: STORE_UNUSABLE: 1 store(s) gave no certificate: ${option} ${missing}`);
  }
  const lego = join(root, 'lego');
  const wrong = await runCli(['status', '--acme-sh-home', lego], env());
  t.equal(wrong.code, EXIT.STORE_UNUSABLE, wrong.stdout + wrong.stderr);
  t.match(
    wrong.stdout + wrong.stderr,
    `skipped --acme-sh-home ${lego}: holds no acme.sh certificate; give acme.sh's home (~/.acme.sh) or its --cert-home`,
  );
  const other = await runCli(['sync', '--dehydrated-dir', acmeSh], env());
  t.equal(other.code, EXIT.STORE_UNUSABLE, other.stdout + other.stderr);
  t.match(other.stdout, `skipped --dehydrated-dir ${acmeSh}: no dehydrated certs/ folder in ${acmeSh}`);
});
