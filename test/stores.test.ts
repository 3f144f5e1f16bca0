import t from 'tap';
import { chmod, copyFile, link, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanCertbot, scanDir, scanLego, scanStores, type ScanResult, type StoreSpec } from '../src/stores/index.js';
import { fixture } from './helpers/run-cli.js';

const lego = (path: string): StoreSpec => ({ kind: 'lego', path });
const certbot = (path: string): StoreSpec => ({ kind: 'certbot', path });
const dir = (path: string): StoreSpec => ({ kind: 'dir', path });
const labels = (result: ScanResult) => result.certificates.map((c) => c.label);
const problemLabels = (result: ScanResult) => result.problems.map((p) => p.label);

/** lego's `--path`: normal, wildcard (json says `*.`), a crt without key, and things to pass over. */
async function legoStore(root: string): Promise<string> {
  const certs = join(root, 'certificates');
  await mkdir(join(root, 'accounts'), { recursive: true });
  await mkdir(certs);
  const put = (from: string, to: string) => copyFile(fixture(from), join(certs, to));
  await put('ec256.bundle.crt', 'example.com.crt');
  await put('ec256.sec1.key', 'example.com.key');
  await put('chain.pem', 'example.com.issuer.crt');
  await writeFile(join(certs, 'example.com.json'), JSON.stringify({ domain: 'example.com', certUrl: 'https://ca/1' }));
  await put('wildcard.crt', '_.example.com.crt');
  await put('wildcard.key', '_.example.com.key');
  await writeFile(join(certs, '_.example.com.json'), JSON.stringify({ domain: '*.example.com' }));
  await put('rsa2048.crt', 'orphan.example.org.crt');
  await put('multi.crt', 'multi.example.org.crt');
  await put('multi.key', 'multi.example.org.key');
  await writeFile(join(certs, 'multi.example.org.json'), '{"domain": "shop.exa'); // cut short: no domain
  await put('ec384.crt', 'arr.example.net.crt');
  await put('ec384.sec1.key', 'arr.example.net.key');
  await writeFile(join(certs, 'arr.example.net.json'), '["not", "an object"]');
  await put('rsa2048.crt', '.hidden.crt');
  await mkdir(join(certs, 'folder.crt'));
  await symlink('loop.crt', join(certs, 'loop.crt'));
  await put('chain.pem', 'gone.example.com.issuer.crt');
  return root;
}

t.test('lego: NAME.crt with NAME.key, issuer as chain, the domain from NAME.json', async (t) => {
  const root = await legoStore(t.testdir({}));
  const certs = join(root, 'certificates');
  const result = await scanLego(lego(root));
  t.same(
    labels(result),
    ['lego:_.example.com', 'lego:arr.example.net', 'lego:example.com', 'lego:multi.example.org'],
    'issuer files, hidden files, folders and symlink loops are not certificates',
  );
  const [wildcard, arr, normal, multi] = result.certificates;
  t.same(normal, {
    store: lego(root),
    label: 'lego:example.com',
    cert: join(certs, 'example.com.crt'),
    key: join(certs, 'example.com.key'),
    chain: join(certs, 'example.com.issuer.crt'),
    domain: 'example.com',
  });
  t.equal(wildcard.domain, '*.example.com', 'the wildcard domain comes from the json, not the file name');
  t.equal(wildcard.cert, join(certs, '_.example.com.crt'));
  t.equal(wildcard.chain, undefined, 'no issuer file, no chain');
  t.notOk('domain' in multi, 'a json that does not parse gives no domain');
  t.notOk('domain' in arr, 'a json that is not an object gives no domain');
  t.equal(result.problems.length, 1);
  t.equal(result.problems[0].label, 'lego:orphan.example.org');
  t.equal(result.problems[0].path, join(certs, 'orphan.example.org.crt'));
  t.match(result.problems[0].problem, `has no usable key: ${join(certs, 'orphan.example.org.key')} does not exist`);

  const direct = await scanLego(lego(certs));
  t.same(
    direct,
    {
      ...result,
      certificates: result.certificates.map((c) => ({ ...c, store: lego(certs) })),
      problems: result.problems.map((p) => ({ ...p, store: lego(certs) })),
    },
    'the certificates/ folder itself is accepted',
  );
});

t.test('lego: an empty --path, and an oversized json', async (t) => {
  const top = t.testdir({
    fresh: { accounts: {} },
    big: { 'big.example.com.json': JSON.stringify({ domain: 'big.example.com', pad: 'x'.repeat(70_000) }) },
  });
  t.same(
    await scanLego(lego(join(top, 'fresh'))),
    { certificates: [], problems: [] },
    'nothing issued yet is no problem',
  );
  const root = join(top, 'big');
  await copyFile(fixture('ec256.crt'), join(root, 'big.example.com.crt'));
  await copyFile(fixture('ec256.sec1.key'), join(root, 'big.example.com.key'));
  const result = await scanLego(lego(root));
  t.equal(result.certificates.length, 1);
  t.notOk('domain' in result.certificates[0], 'a json past 64 KiB is not read');
});

/** certbot's config dir: live/ links into archive/, README, a lineage without privkey, one without chain. */
async function certbotStore(root: string): Promise<string> {
  for (const folder of ['live', 'archive', 'renewal']) await mkdir(join(root, folder), { recursive: true });
  await writeFile(join(root, 'live', 'README'), 'This directory contains your keys and certificates.\n');
  const lineage = async (name: string, files: Record<string, string>) => {
    await mkdir(join(root, 'archive', name));
    await mkdir(join(root, 'live', name));
    for (const [file, from] of Object.entries(files)) {
      const numbered = file.replace('.pem', '3.pem');
      await copyFile(fixture(from), join(root, 'archive', name, numbered));
      await symlink(`../../archive/${name}/${numbered}`, join(root, 'live', name, file));
    }
    await writeFile(join(root, 'renewal', `${name}.conf`), `cert = ${join(root, 'live', name, 'cert.pem')}\n`);
  };
  await lineage('example.com', {
    'cert.pem': 'ec256.crt',
    'privkey.pem': 'ec256.pkcs8.key',
    'chain.pem': 'chain.pem',
    'fullchain.pem': 'ec256.bundle.crt',
  });
  await lineage('cw.example.com', { 'cert.pem': 'wildcard.crt', 'privkey.pem': 'wildcard.key' });
  await lineage('nokey.example.org', { 'cert.pem': 'multi.crt', 'chain.pem': 'chain.pem' });
  await lineage('dangling.example.org', { 'cert.pem': 'multi.crt' });
  await symlink(
    '../../archive/dangling.example.org/privkey3.pem',
    join(root, 'live', 'dangling.example.org', 'privkey.pem'),
  );
  await mkdir(join(root, 'live', '.hidden'));
  return root;
}

t.test('certbot: every lineage under live/, links followed, README skipped', async (t) => {
  const root = await certbotStore(t.testdir({}));
  const live = join(root, 'live');
  const result = await scanCertbot(certbot(root));
  t.same(labels(result), ['certbot:cw.example.com', 'certbot:example.com']);
  t.same(
    result.certificates[1],
    {
      store: certbot(root),
      label: 'certbot:example.com',
      cert: join(live, 'example.com', 'cert.pem'),
      key: join(live, 'example.com', 'privkey.pem'),
      chain: join(live, 'example.com', 'chain.pem'),
    },
    "the live/ links are kept (certbot repoints them), no domain: the certificate's first name is used",
  );
  t.equal(
    await readFile(result.certificates[1].cert, 'utf8'),
    await readFile(fixture('ec256.crt'), 'utf8'),
    'the link leads to archive/',
  );
  t.equal(result.certificates[0].chain, undefined, 'no chain.pem, no chain');
  t.same(problemLabels(result), ['certbot:dangling.example.org', 'certbot:nokey.example.org']);
  t.match(result.problems[0].problem, 'privkey.pem is a dangling symlink');
  t.match(
    result.problems[1].problem,
    `certbot lineage ${join(live, 'nokey.example.org')} is incomplete: privkey.pem does not exist`,
  );
  t.equal(result.problems[1].path, join(live, 'nokey.example.org'));

  const fromLive = await scanCertbot(certbot(live));
  t.same(labels(fromLive), labels(result), 'the live/ folder itself is accepted');
  const notCertbot = await scanCertbot(certbot(join(root, 'renewal')));
  t.equal(notCertbot.certificates.length, 0);
  t.match(notCertbot.problems[0].problem, /no certbot live\/ folder in .*: give certbot's config dir/);
});

/** One Kubernetes TLS secret as the kubelet mounts it: files in a hidden timestamped folder, linked through ..data. */
async function mountSecret(folder: string, files: Record<string, string>): Promise<void> {
  const stamp = '..2026_11_27_20_21_00.123456789';
  await mkdir(join(folder, stamp), { recursive: true });
  await symlink(stamp, join(folder, '..data'));
  for (const [file, from] of Object.entries(files)) {
    await copyFile(fixture(from), join(folder, stamp, file));
    await symlink(`..data/${file}`, join(folder, file));
  }
}

async function secretsStore(root: string): Promise<string> {
  await mkdir(join(root, 'config-map'), { recursive: true });
  await writeFile(join(root, 'config-map', 'app.yaml'), 'a: 1');
  await writeFile(join(root, 'notes.txt'), 'not a secret');
  await mountSecret(join(root, 'web-tls'), {
    'tls.crt': 'ec256.bundle.crt',
    'tls.key': 'ec256.sec1.key',
    'ca.crt': 'root.crt',
  });
  await mountSecret(join(root, 'api-tls'), { 'tls.crt': 'rsa2048.bundle.crt', 'tls.key': 'rsa2048.pkcs1.key' });
  await mountSecret(join(root, 'broken-tls'), { 'tls.crt': 'multi.crt', 'ca.crt': 'root.crt' });
  await mountSecret(join(root, '.hidden-tls'), { 'tls.crt': 'multi.crt', 'tls.key': 'multi.key' });
  await symlink('loop', join(root, 'loop'));
  return root;
}

t.test('dir: each mounted secret with tls.crt and tls.key; ca.crt is no chain', async (t) => {
  const root = await secretsStore(t.testdir({}));
  const result = await scanDir(dir(root));
  t.same(
    labels(result),
    ['dir:api-tls', 'dir:web-tls'],
    'hidden folders, plain files, non-TLS folders and loops are passed over',
  );
  t.same(
    result.certificates[1],
    {
      store: dir(root),
      label: 'dir:web-tls',
      cert: join(root, 'web-tls', 'tls.crt'),
      key: join(root, 'web-tls', 'tls.key'),
    },
    'tls.crt is the full chain: no chain file, and not ca.crt',
  );
  t.same(problemLabels(result), ['dir:broken-tls']);
  t.match(result.problems[0].problem, /is incomplete: tls\.key does not exist$/, 'only the missing file is named');

  const single = await scanDir(dir(join(root, 'web-tls')));
  t.same(
    single.certificates,
    [{ ...result.certificates[1], store: dir(join(root, 'web-tls')) }],
    'DIR may be one mounted secret',
  );
  const singleBroken = await scanDir(dir(join(root, 'broken-tls')));
  t.same(problemLabels(singleBroken), ['dir:broken-tls']);
  t.equal(singleBroken.certificates.length, 0);
});

t.test('a missing, non-folder or unreadable store is a problem naming the path, not a throw', async (t) => {
  const root = t.testdir({ 'file.txt': 'x' });
  const missing = join(root, 'nope');
  for (const scan of [scanLego, scanCertbot, scanDir]) {
    const result = await scan({ kind: 'dir', path: missing });
    t.same(result.certificates, []);
    t.equal(result.problems[0].problem, `store folder ${missing} does not exist`);
  }
  const notFolder = await scanStores([lego(join(root, 'file.txt'))]);
  t.same(
    notFolder.problems.map((p) => [p.label, p.problem]),
    [[`--lego-path ${join(root, 'file.txt')}`, `store folder ${join(root, 'file.txt')} is not a folder`]],
  );
  const empty = await scanStores([certbot('')]);
  t.equal(empty.problems[0].problem, '--certbot-dir was given an empty path');
  const unknown = await scanStores([{ kind: 'nginx' as 'dir', path: root }]);
  t.match(unknown.problems[0].problem, 'unknown store kind nginx');

  t.test('unreadable', { skip: process.getuid?.() === 0 ? 'root reads every folder' : false }, async (t) => {
    const locked = t.testdir({ inner: {} });
    await chmod(locked, 0o000);
    t.teardown(() => chmod(locked, 0o700));
    const result = await scanDir(dir(locked));
    t.match(result.problems[0].problem, 'permission denied');
  });
});

t.test('scanStores: stores combined, sorted by label, each certificate file once', async (t) => {
  const top = t.testdir({});
  const legoRoot = await legoStore(join(top, 'lego'));
  const certbotRoot = await certbotStore(join(top, 'letsencrypt'));
  const secrets = await secretsStore(join(top, 'secrets'));
  const aliasParent = join(top, 'aliases');
  await mkdir(aliasParent);
  await symlink(secrets, join(aliasParent, 'secrets-alias'));
  const missing = join(certbotRoot, 'no-such-store');
  const result = await scanStores([
    dir(secrets),
    lego(legoRoot),
    certbot(certbotRoot),
    dir(missing),
    lego(join(legoRoot, 'certificates')),
    dir(join(aliasParent, 'secrets-alias')),
    dir(secrets),
    dir(join(secrets, 'web-tls')),
  ]);
  t.same(labels(result), [
    'certbot:cw.example.com',
    'certbot:example.com',
    'dir:api-tls',
    'dir:web-tls',
    'lego:_.example.com',
    'lego:arr.example.net',
    'lego:example.com',
    'lego:multi.example.org',
  ]);
  t.equal(
    result.certificates.find((c) => c.label === 'lego:example.com')?.store.path,
    legoRoot,
    'the store named first keeps a duplicate',
  );
  t.equal(result.certificates.find((c) => c.label === 'dir:web-tls')?.cert, join(secrets, 'web-tls', 'tls.crt'));
  t.same(
    problemLabels(result),
    [
      `--dir ${missing}`,
      'certbot:dangling.example.org',
      'certbot:nokey.example.org',
      'dir:broken-tls',
      'lego:orphan.example.org',
    ],
    'problems sorted by label, each once',
  );
  t.ok(
    (result.unusable ?? []).some((p) => p.label === `--dir ${missing}` && /does not exist/.test(p.problem)),
    'a missing store is unusable, with why',
  );
  t.same(await scanStores([]), { certificates: [], problems: [], unusable: [] });
});

t.test('two stores with the same folder name keep both, ordered by path', async (t) => {
  const a = t.testdir({});
  await mountSecret(join(a, 'one', 'web'), { 'tls.crt': 'ec256.crt', 'tls.key': 'ec256.sec1.key' });
  await mountSecret(join(a, 'two', 'web'), { 'tls.crt': 'multi.crt', 'tls.key': 'multi.key' });
  const result = await scanStores([dir(join(a, 'two')), dir(join(a, 'one'))]);
  t.same(
    result.certificates.map((c) => [c.label, c.cert]),
    [
      ['dir:web', join(a, 'one', 'web', 'tls.crt')],
      ['dir:web', join(a, 'two', 'web', 'tls.crt')],
    ],
  );
});

t.test('scale: a --dir with 2,000 secrets', async (t) => {
  const top = t.testdir({ store: {}, shared: {} });
  const root = join(top, 'store');
  const crt = join(top, 'shared', 'tls.crt');
  const key = join(top, 'shared', 'tls.key');
  await copyFile(fixture('ec256.bundle.crt'), crt);
  await copyFile(fixture('ec256.sec1.key'), key);
  const count = 2000;
  const name = (i: number) => `secret-${String(i).padStart(4, '0')}`;
  for (let i = 0; i < count; i++) {
    await mkdir(join(root, name(i)));
    // Hard links and symlinks to one file: the store must still count one certificate per folder.
    await (i % 2 === 0 ? link(crt, join(root, name(i), 'tls.crt')) : symlink(crt, join(root, name(i), 'tls.crt')));
    await symlink(key, join(root, name(i), 'tls.key'));
  }
  const result = await scanStores([dir(root)]);
  t.equal(result.certificates.length, count, 'one certificate per folder, though all share one file');
  t.equal(result.problems.length, 0);
  t.same(
    result.certificates.map((c) => c.label),
    Array.from({ length: count }, (_, i) => `dir:${name(i)}`),
  );
});
