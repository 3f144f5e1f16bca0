/**
 * `sync` skips an unchanged certificate from its sync index (a hash of the files' bytes checked
 * before) without parsing it, and must never skip one whose files changed in any way: not when the
 * new certificate has the same size and the old mtime and inode, not when only the key changed, not
 * when a file is cut short or damaged, not when the journal no longer says it is deployed. Renewals
 * among many unchanged certificates cost one list call and one upload each, and status agrees.
 */
import t, { type Test } from 'tap';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdir, readFile, stat, truncate, utimes, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { journalKey, openJournal } from '../src/journal/index.js';
import { entryFileName } from '../src/journal/file-names.js';
import { SYNC_INDEX_FILE } from '../src/journal/sync-index.js';
import { startSandbox, type Sandbox, type SeedRecord } from '../src/sandbox/index.js';
import { certMaker } from './helpers/make-certs.js';
import { runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'index-id', tokenSecret: 'index-secret-0123456789' };
const maker = certMaker();
/** Another RSA key whose PEM has exactly the size of the one in the store (PKCS#1 sizes vary by a few bytes). */
function otherKeyOfSameSize(): string {
  for (let i = 0; i < 50; i++) {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    if (pem.length === maker.keyPem.length && pem !== maker.keyPem) return pem;
  }
  throw new Error('no key of the same size in 50 tries');
}
/** Whole seconds, so the times put back are exactly the ones read (utimes takes no nanoseconds). */
const FILE_TIME = 1_700_000_000;
const JAN = new Date(Date.UTC(2025, 0, 1));
const JUN = new Date(Date.UTC(2025, 5, 1));

const env = (sb: Sandbox, state: string) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  BELUGA_HOOK_STATE_DIR: state,
});
const lists = (sb: Sandbox) => sb.requests.filter((r) => r.method === 'GET').length;
const puts = (sb: Sandbox) => sb.requests.filter((r) => r.method === 'PUT');
const summary = (stdout: string) => /^sync: \d+ (?:deployed|would be deployed), .*$/m.exec(stdout)?.[0];
const domain = (i: number) => `host-${i}.index.test`;
const seed = (i: number): SeedRecord => ({
  id: String(100 + i),
  site: 's',
  certificate: maker.cert(['placeholder.index.test']),
  key: maker.keyPem,
  names: [domain(i)],
});

/** N secret folders (tls.crt, tls.key), certificate i for domain(i). */
async function store(t: Test, pems: string[]): Promise<string> {
  const dir = t.testdir();
  for (const [i, pem] of pems.entries()) {
    await mkdir(join(dir, `s${i}`));
    await writeFile(join(dir, `s${i}`, 'tls.crt'), pem);
    await writeFile(join(dir, `s${i}`, 'tls.key'), maker.keyPem, { mode: 0o600 });
    for (const file of ['tls.crt', 'tls.key']) await utimes(join(dir, `s${i}`, file), FILE_TIME, FILE_TIME);
  }
  return dir;
}

/** Replace a file's bytes in place (same inode), then put the store's file times back. */
async function overwriteKeepingTimes(path: string, data: string | Buffer): Promise<void> {
  const before = await stat(path);
  await writeFile(path, data);
  await utimes(path, FILE_TIME, FILE_TIME);
  const after = await stat(path);
  if (after.ino !== before.ino || after.mtimeMs !== FILE_TIME * 1000)
    throw new Error('the file did not keep its inode and mtime');
}

/** One certificate deployed by a first sync, and a second sync that skipped it through the index. */
async function deployedOne(t: Test) {
  const sb = await startSandbox({ credentials: TOKEN, records: [seed(0)] });
  t.teardown(() => sb.close());
  const state = tempStateDir();
  const dir = await store(t, [maker.cert([domain(0)], JAN, 0x10)]);
  const first = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(first.code, 0, first.stdout + first.stderr);
  t.equal(summary(first.stdout), 'sync: 1 deployed, 0 unchanged, 0 failed, 0 unmapped');
  const again = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(summary(again.stdout), 'sync: 0 deployed, 1 unchanged, 0 failed, 0 unmapped', 'unchanged: skipped');
  t.equal(lists(sb), 1, 'the skip asked the server nothing');
  const index = JSON.parse(await readFile(join(state, SYNC_INDEX_FILE), 'utf8')) as {
    files: Record<string, { key: string }>;
  };
  t.same(
    Object.values(index.files).map((e) => e.key),
    [journalKey({ domain: domain(0) })],
    'the index knows the certificate',
  );
  return { sb, state, dir, crt: join(dir, 's0', 'tls.crt'), key: join(dir, 's0', 'tls.key') };
}

t.test('a renewed certificate of the same size, with the old mtime and inode, is deployed, not skipped', async (t) => {
  const { sb, state, dir, crt } = await deployedOne(t);
  const renewed = maker.cert([domain(0)], JUN, 0x11);
  t.equal(Buffer.byteLength(renewed), (await stat(crt)).size, 'the same size');
  await overwriteKeepingTimes(crt, renewed);
  const r = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.equal(summary(r.stdout), 'sync: 1 deployed, 0 unchanged, 0 failed, 0 unmapped');
  t.equal(puts(sb).length, 2, 'uploaded again');
  const sent = new X509Certificate(JSON.parse(puts(sb)[1]!.body).certificate as string);
  t.equal(sent.fingerprint256, new X509Certificate(renewed).fingerprint256, 'the new certificate went');
  const next = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(summary(next.stdout), 'sync: 0 deployed, 1 unchanged, 0 failed, 0 unmapped', 'and is skipped from then on');
});

t.test('a changed key alone is checked in full: a key of another certificate fails, never skipped', async (t) => {
  const { sb, state, dir, key } = await deployedOne(t);
  const otherKey = otherKeyOfSameSize();
  t.equal(Buffer.byteLength(otherKey), (await stat(key)).size, 'the same size');
  await overwriteKeepingTimes(key, otherKey);
  const r = await runCli(['sync', '--dir', dir], env(sb, state));
  t.not(r.code, 0);
  t.match(r.stdout, /failed dir:s0: KEY_MISMATCH: /);
  t.equal(summary(r.stdout), 'sync: 0 deployed, 0 unchanged, 1 failed, 0 unmapped');
  t.equal(puts(sb).length, 1, 'nothing uploaded');
});

t.test('a cut-short, damaged or emptied file is reported, never taken as unchanged', async (t) => {
  const { sb, state, dir, crt, key } = await deployedOne(t);
  const good = await readFile(crt);
  await truncate(crt, Math.floor(good.length / 2));
  await utimes(crt, FILE_TIME, FILE_TIME);
  let r = await runCli(['sync', '--dir', dir], env(sb, state));
  t.match(r.stdout, /failed dir:s0: /, 'half-written certificate');
  t.equal(summary(r.stdout), 'sync: 0 deployed, 0 unchanged, 1 failed, 0 unmapped');
  const status = await runCli(['status', '--dir', dir, '--json'], env(sb, state));
  t.match(
    JSON.parse(status.stdout),
    [{ label: 'dir:s0', problem: /holds no readable certificate/ }],
    'status says so too',
  );

  // One byte changed, same size: the PEM block no longer ends.
  await overwriteKeepingTimes(crt, good.toString('latin1').replace('-----END CERTIFICATE', '-----END CERTIFICATF'));
  r = await runCli(['sync', '--dir', dir], env(sb, state));
  t.match(r.stdout, /failed dir:s0: /, 'one byte changed');
  t.equal(summary(r.stdout), 'sync: 0 deployed, 0 unchanged, 1 failed, 0 unmapped');

  await overwriteKeepingTimes(crt, good);
  r = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(summary(r.stdout), 'sync: 0 deployed, 1 unchanged, 0 failed, 0 unmapped', 'the good bytes back: unchanged');
  await writeFile(key, '');
  r = await runCli(['sync', '--dir', dir], env(sb, state));
  t.match(r.stdout, /failed dir:s0: FILE_UNREADABLE: cannot read key file .*it is empty/);
  t.equal(puts(sb).length, 1, 'nothing uploaded through it all');
});

t.test('the journal decides: with its entry gone, the full check and the record decide', async (t) => {
  const { sb, state, dir } = await deployedOne(t);
  const keyFile = join(state, entryFileName(journalKey({ domain: domain(0) })));
  await rm(keyFile);
  let r = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(
    summary(r.stdout),
    'sync: 0 deployed, 1 unchanged, 0 failed, 0 unmapped',
    "the record's entry still says it is there",
  );
  t.equal(lists(sb), 2, 'found through the full pipeline (it resolved the record), not the index');
  t.ok(await stat(keyFile), 'and the key learned it again');
  await rm(keyFile);
  await rm(join(state, entryFileName('record:100')));
  r = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(
    summary(r.stdout),
    'sync: 1 deployed, 0 unchanged, 0 failed, 0 unmapped',
    'with no record of it at all: uploaded',
  );
  t.equal(puts(sb).length, 2);
});

t.test('a damaged sync index is told, costs only time, and is written anew', async (t) => {
  const { sb, state, dir } = await deployedOne(t);
  await writeFile(join(state, SYNC_INDEX_FILE), '{"version":1,"files":{', { mode: 0o600 });
  const r = await runCli(['sync', '--dir', dir], env(sb, state));
  t.match(r.stdout, /warning: sync index .* is not valid JSON/);
  t.equal(summary(r.stdout), 'sync: 0 deployed, 1 unchanged, 0 failed, 0 unmapped');
  t.equal(puts(sb).length, 1);
  t.ok(JSON.parse(await readFile(join(state, SYNC_INDEX_FILE), 'utf8')).files, 'rewritten');
  // An entry that claims other bytes is not believed.
  const index = JSON.parse(await readFile(join(state, SYNC_INDEX_FILE), 'utf8')) as {
    files: Record<string, { sha256: string }>;
  };
  for (const e of Object.values(index.files)) e.sha256 = 'f'.repeat(64);
  await writeFile(join(state, SYNC_INDEX_FILE), JSON.stringify(index), { mode: 0o600 });
  const renewed = maker.cert([domain(0)], JUN, 0x12);
  await overwriteKeepingTimes(join(dir, 's0', 'tls.crt'), renewed);
  const again = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(summary(again.stdout), 'sync: 1 deployed, 0 unchanged, 0 failed, 0 unmapped');
});

t.test(
  '5% renewed among unchanged: one list call and one PUT per renewal; status and a dry run agree with sync',
  async (t) => {
    const N = 40;
    const RENEWED = 2;
    const sb = await startSandbox({ credentials: TOKEN, records: Array.from({ length: N }, (_, i) => seed(i)) });
    t.teardown(() => sb.close());
    const state = tempStateDir();
    const pems = Array.from({ length: N }, (_, i) => maker.cert([domain(i)], JAN, 0x100 + i));
    const dir = await store(t, pems);
    // The journal says every one is deployed, as the hooks left it; no sync index yet.
    const journal = await openJournal(state, { now: () => new Date(), onWarning: () => undefined });
    for (const [i, pem] of pems.entries()) {
      const x = new X509Certificate(pem);
      await journal.write({
        key: journalKey({ domain: domain(i) }),
        domain: domain(i),
        attempts: [],
        deployed: {
          fingerprint256: x.fingerprint256,
          notBefore: new Date(x.validFrom).toISOString(),
          notAfter: new Date(x.validTo).toISOString(),
          names: [domain(i)],
          at: new Date().toISOString(),
          recordId: String(100 + i),
          files: { cert: join(dir, `s${i}`, 'tls.crt'), key: join(dir, `s${i}`, 'tls.key') },
        },
      });
    }
    const first = await runCli(['sync', '--dir', dir], env(sb, state));
    t.equal(
      summary(first.stdout),
      `sync: 0 deployed, ${N} unchanged, 0 failed, 0 unmapped`,
      'the first run checks each in full',
    );
    t.equal(sb.requests.length, 0, 'and asks nothing');

    for (let i = 0; i < RENEWED; i++)
      await writeFile(join(dir, `s${i}`, 'tls.crt'), maker.cert([domain(i)], JUN, 0x200 + i));
    const before = await runCli(['status', '--dir', dir, '--json'], env(sb, state));
    const rows = JSON.parse(before.stdout) as Array<{ label: string; deployed: string }>;
    t.same(
      rows
        .filter((r) => r.deployed !== 'yes')
        .map((r) => r.label)
        .sort(),
      ['dir:s0', 'dir:s1'],
      'status: the renewed two are not deployed',
    );
    const dry = await runCli(['sync', '--dir', dir, '--dry-run'], env(sb, state));
    t.equal(
      summary(dry.stdout),
      `sync: ${RENEWED} would be deployed, ${N - RENEWED} unchanged, 0 failed, 0 unmapped`,
      'a dry run says the same',
    );
    sb.requests.length = 0;

    const r = await runCli(['sync', '--dir', dir, '--concurrency', '2'], env(sb, state));
    t.equal(r.code, 0, r.stdout + r.stderr);
    t.equal(summary(r.stdout), `sync: ${RENEWED} deployed, ${N - RENEWED} unchanged, 0 failed, 0 unmapped`);
    t.equal(lists(sb), 1, 'exactly one list call');
    t.equal(puts(sb).length, RENEWED, 'one PUT per renewal');
    t.same(
      puts(sb)
        .map((p) => JSON.parse(p.body).id as string)
        .sort(),
      ['100', '101'],
      'each to its own record',
    );
    t.equal(sb.requests.length, 1 + RENEWED, 'and nothing else');

    const after = await runCli(['status', '--dir', dir, '--json'], env(sb, state));
    t.ok(
      (JSON.parse(after.stdout) as Array<{ deployed: string }>).every((row) => row.deployed === 'yes'),
      'status: all deployed now',
    );
    const last = await runCli(['sync', '--dir', dir], env(sb, state));
    t.equal(summary(last.stdout), `sync: 0 deployed, ${N} unchanged, 0 failed, 0 unmapped`);
    t.equal(puts(sb).length, RENEWED, 'nothing more uploaded');
  },
);
