/**
 * `status` takes what a row shows from the sync index only for files whose every byte hashes as the
 * bytes sync checked (the one decision sync makes, knownFiles()); anything else is parsed afresh.
 * A file rewritten in place with the same size, inode and mtime is noticed (the index never
 * consults size, mtime or inode: it hashes the bytes), a cut-short file is reported, and an index
 * that is damaged, of another version, or of the wrong shape is never believed.
 */
import t, { type Test } from 'tap';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { filesHash, SYNC_INDEX_FILE } from '../src/journal/sync-index.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { certMaker } from './helpers/make-certs.js';
import { runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'status-index-id', tokenSecret: 'status-index-secret-0123456789' };
const maker = certMaker();
const DOMAIN = 'host-0.status-index.test';
/** A name only a doctored index holds: a row that shows it was taken from the index. */
const FROM_INDEX = 'only-in-the-index.status-index.test';
/** Whole seconds, so the times put back are exactly the ones read. */
const FILE_TIME = 1_700_000_000;
const JAN = new Date(Date.UTC(2025, 0, 1));
const JUN = new Date(Date.UTC(2025, 5, 1));

interface IndexFile {
  version: number;
  files: Record<string, Record<string, unknown> & { sha256: string; names: string[] }>;
}
interface Row {
  label: string;
  names: string[];
  fingerprint256: string | null;
  deployed: string;
  problem: string | null;
}

const env = (sb: Sandbox, state: string) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  BELUGA_HOOK_STATE_DIR: state,
});
const summary = (stdout: string) => /^sync: \d+ deployed, .*$/m.exec(stdout)?.[0];

/**
 * One certificate deployed by a sync (which wrote the index), then the index doctored so that its
 * entry also names FROM_INDEX: a status row showing that name came from the index, not a parse.
 */
async function indexed(t: Test) {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [
      { id: '100', site: 's', certificate: maker.cert(['placeholder.test']), key: maker.keyPem, names: [DOMAIN] },
    ],
  });
  t.teardown(() => sb.close());
  const state = tempStateDir();
  const dir = t.testdir();
  await mkdir(join(dir, 's0'));
  const crt = join(dir, 's0', 'tls.crt');
  const key = join(dir, 's0', 'tls.key');
  const pem = maker.cert([DOMAIN], JAN, 0x10);
  await writeFile(crt, pem);
  await writeFile(key, maker.keyPem, { mode: 0o600 });
  for (const file of [crt, key]) await utimes(file, FILE_TIME, FILE_TIME);
  const first = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(summary(first.stdout), 'sync: 1 deployed, 0 unchanged, 0 failed, 0 unmapped', first.stdout + first.stderr);
  const indexPath = join(state, SYNC_INDEX_FILE);
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as IndexFile;
  t.equal(index.version, 2, 'the index of this version');
  const entries = Object.values(index.files);
  t.equal(entries.length, 1);
  t.same(entries[0]!.names, [DOMAIN], 'it records the names the full check found');
  entries[0]!.names = [DOMAIN, FROM_INDEX];
  await writeFile(indexPath, JSON.stringify(index), { mode: 0o600 });
  const status = async () => {
    const r = await runCli(['status', '--dir', dir, '--json'], env(sb, state));
    t.equal(r.code, 0, r.stdout + r.stderr);
    const rows = JSON.parse(r.stdout) as Row[];
    t.equal(rows.length, 1);
    return rows[0]!;
  };
  return { sb, state, dir, crt, key, pem, indexPath, index, status };
}

/** Replace a file's bytes in place (same inode), then put its mtime back. */
async function overwriteKeepingTimes(t: Test, path: string, data: string | Buffer): Promise<void> {
  const before = await stat(path);
  await writeFile(path, data);
  await utimes(path, FILE_TIME, FILE_TIME);
  const after = await stat(path);
  t.equal(after.ino, before.ino, 'the same inode');
  t.equal(after.size, before.size, 'the same size');
  t.equal(after.mtimeMs, before.mtimeMs, 'the same mtime');
}

t.test('unchanged bytes: status takes the row from the index, not from a parse', async (t) => {
  const { status, pem } = await indexed(t);
  const row = await status();
  t.same(row.names, [DOMAIN, FROM_INDEX], 'the names the index holds');
  t.equal(row.fingerprint256, new X509Certificate(pem).fingerprint256);
  t.equal(row.deployed, 'yes', 'and the journal still decides what is deployed');
});

t.test('the same size, inode and mtime with other bytes: status notices the new certificate', async (t) => {
  const { status, crt } = await indexed(t);
  // A renewal of exactly the same length (same names, same key, serial of the same width).
  const renewed = maker.cert([DOMAIN], JUN, 0x11);
  t.equal(Buffer.byteLength(renewed), (await stat(crt)).size);
  await overwriteKeepingTimes(t, crt, renewed);
  const row = await status();
  t.same(row.names, [DOMAIN], 'parsed afresh: not the names of the index');
  t.equal(row.fingerprint256, new X509Certificate(renewed).fingerprint256, 'the new certificate');
  t.equal(row.deployed, 'no', 'which is not deployed');
});

t.test('a changed key alone sends status to the certificate itself', async (t) => {
  const { status, key } = await indexed(t);
  const pem = await readFile(key, 'latin1');
  // One base64 character changed: the same size, another key file.
  const at = pem.indexOf('\n') + 10;
  await overwriteKeepingTimes(t, key, pem.slice(0, at) + (pem[at] === 'A' ? 'B' : 'A') + pem.slice(at + 1));
  const row = await status();
  t.same(row.names, [DOMAIN], 'not taken from the index');
  t.equal(row.deployed, 'yes', 'the certificate itself is still the deployed one');
});

t.test('a cut-short or emptied certificate is reported, never taken as unchanged', async (t) => {
  const { status, crt, pem } = await indexed(t);
  await overwriteKeepingTimes(t, crt, pem.replace('-----END CERTIFICATE', '-----END CERTIFICATF'));
  let row = await status();
  t.match(row.problem, /holds no readable certificate/, 'one byte damaged, same size');
  t.equal(row.deployed, 'unknown');

  await truncate(crt, Math.floor(Buffer.byteLength(pem) / 2));
  await utimes(crt, FILE_TIME, FILE_TIME);
  row = await status();
  t.match(row.problem, /holds no readable certificate/, 'half-written');
  t.equal(row.fingerprint256, null);
  t.equal(row.deployed, 'unknown', 'never "yes"');

  await writeFile(crt, '');
  row = await status();
  t.match(row.problem, /holds no readable certificate/, 'empty');
  t.equal(row.deployed, 'unknown');
});

t.test('an index that is damaged, of another version or of the wrong shape is never believed', async (t) => {
  const { sb, state, dir, status, indexPath, index } = await indexed(t);
  const entry = Object.values(index.files)[0]!;
  const believed = async (what: string, text: string) => {
    await writeFile(indexPath, text, { mode: 0o600 });
    const row = await status();
    t.same(row.names, [DOMAIN], `${what}: parsed afresh`);
    t.equal(row.deployed, 'yes', `${what}: the row is right all the same`);
  };
  await believed('not JSON', '{"version":2,"files":{');
  await believed('version 1', JSON.stringify({ ...index, version: 1 }));
  await believed('a future version', JSON.stringify({ ...index, version: 3 }));
  const withoutNames: Record<string, unknown> = { ...entry };
  delete withoutNames.names;
  await believed(
    'an entry without names (the shape of version 1)',
    JSON.stringify({ version: 2, files: { [Object.keys(index.files)[0]!]: withoutNames } }),
  );
  await believed(
    'an entry whose hash is of other bytes',
    JSON.stringify({ version: 2, files: { [Object.keys(index.files)[0]!]: { ...entry, sha256: 'f'.repeat(64) } } }),
  );

  // Status never writes the index; the next sync tells a damaged one and writes it anew.
  await writeFile(indexPath, '{"version":2,"files":{', { mode: 0o600 });
  await status();
  t.equal(await readFile(indexPath, 'utf8'), '{"version":2,"files":{', 'status left it as it was');
  const r = await runCli(['sync', '--dir', dir], env(sb, state));
  t.match(r.stdout, /warning: sync index .* is not valid JSON/);
  t.equal(summary(r.stdout), 'sync: 0 deployed, 1 unchanged, 0 failed, 0 unmapped');
  const rewritten = JSON.parse(await readFile(indexPath, 'utf8')) as IndexFile;
  t.equal(rewritten.version, 2);
  t.same(
    Object.values(rewritten.files).map((e) => e.names),
    [[DOMAIN]],
    'rewritten from the full check',
  );
});

t.test('filesHash covers every file and the domain, length-prefixed', async (t) => {
  const cert = Buffer.from('cert bytes');
  const key = Buffer.from('key bytes');
  const base = filesHash({ cert, key });
  t.match(base, /^[0-9a-f]{64}$/);
  t.not(filesHash({ cert, key, chain: Buffer.from('') }), base, 'an empty chain is not no chain');
  t.not(filesHash({ cert, key, domain: 'a.test' }), base, 'the domain counts');
  t.not(
    filesHash({ cert: Buffer.from('cert byte'), key: Buffer.from('skey bytes') }),
    base,
    'bytes moved from one file to the next',
  );
  t.equal(filesHash({ cert, key }), base, 'the same bytes, the same hash');
});
