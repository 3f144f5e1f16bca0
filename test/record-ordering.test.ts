/**
 * Ordering is per Beluga record, not per journal key: two keys that resolve to one record (another
 * first name via --domain, BELUGA_CERT_ID beside sync) never put an older certificate over a newer
 * one, and a certificate already on the record is not uploaded again through the other key. Once
 * the journal learned that, sync makes no request at all for it. Child processes against the sandbox.
 */
import t, { type Test } from 'tap';
import { X509Certificate } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { certMaker } from './helpers/make-certs.js';
import { runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'ro-id', tokenSecret: 'record-ordering-secret-01' };
const maker = certMaker();
const NAMES = ['order.test', 'www.order.test'];
const OLDER = maker.cert(NAMES, new Date(Date.UTC(2025, 0, 1)), 2);
const NEWER = maker.cert(NAMES, new Date(Date.UTC(2025, 5, 1)), 3);
const fp = (pem: string) => new X509Certificate(pem).fingerprint256;

async function setup(t: Test) {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [
      { id: '7', site: 's', certificate: maker.cert(NAMES, new Date(Date.UTC(2024, 0, 1)), 1), key: maker.keyPem },
    ],
  });
  t.teardown(() => sb.close());
  const dir = t.testdir();
  const files: Record<string, string> = {};
  for (const [name, pem] of Object.entries({ older: OLDER, newer: NEWER })) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'tls.crt'), pem);
    await writeFile(join(dir, name, 'tls.key'), maker.keyPem, { mode: 0o600 });
    files[name] = join(dir, name);
  }
  const env = {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    BELUGA_HOOK_STATE_DIR: tempStateDir(),
    BELUGA_VERIFY: 'off',
  };
  const hook = (which: string, extra: string[] = [], more: Record<string, string> = {}) =>
    runCli(['deploy', '--cert', join(files[which]!, 'tls.crt'), '--key', join(files[which]!, 'tls.key'), ...extra], {
      ...env,
      ...more,
    });
  /** A store holding only `which` (cert-manager layout). */
  const store = async (which: string) => {
    const only = join(dir, `store-${which}`);
    await mkdir(only, { recursive: true });
    await mkdir(join(only, 'order-tls'), { recursive: true });
    await writeFile(join(only, 'order-tls', 'tls.crt'), which === 'older' ? OLDER : NEWER);
    await writeFile(join(only, 'order-tls', 'tls.key'), maker.keyPem, { mode: 0o600 });
    return only;
  };
  return { sb, env, hook, store, state: env.BELUGA_HOOK_STATE_DIR };
}
const puts = (sb: Sandbox) => sb.requests.filter((r) => r.method === 'PUT').length;
const held = (sb: Sandbox) => fp(sb.records()[0]!.certificate);

t.test('another first name: the older certificate is refused on the record the newer one went to', async (t) => {
  const { sb, hook } = await setup(t);
  t.equal((await hook('newer')).code, 0);
  const older = await hook('older', ['--domain', 'www.order.test']);
  t.equal(older.code, 25, older.stdout + older.stderr);
  t.match(older.stderr, /OLDER_CERTIFICATE: Beluga certificate id=7 got a newer certificate/);
  t.equal(puts(sb), 1, 'one upload: the newer one');
  t.equal(held(sb), fp(NEWER), 'the record keeps the newer certificate');

  // The same certificate through the other key is already there: no second upload.
  const same = await hook('newer', ['--domain', 'www.order.test']);
  t.equal(same.code, 0, same.stderr);
  t.match(same.stdout, /unchanged: already deployed to Beluga certificate id=7/);
  t.equal(puts(sb), 1);
});

t.test('a hook pinned by BELUGA_CERT_ID, then sync with an older lineage: sync leaves the record alone', async (t) => {
  const { sb, env, hook, store } = await setup(t);
  t.equal((await hook('newer', [], { BELUGA_CERT_ID: '7' })).code, 0);
  const dir = await store('older');
  const first = await runCli(['sync', '--dir', dir], env);
  t.equal(first.code, 0, first.stdout + first.stderr);
  t.match(first.stdout, /sync: 0 deployed, 1 unchanged, 0 failed, 0 unmapped/);
  t.equal(puts(sb), 1, 'sync uploaded nothing');
  t.equal(held(sb), fp(NEWER));

  // The journal now knows: the next sync asks nothing.
  const before = sb.requests.length;
  const second = await runCli(['sync', '--dir', dir], env);
  t.match(second.stdout, /sync: 0 deployed, 1 unchanged, 0 failed, 0 unmapped/);
  t.equal(sb.requests.length, before, 'no request at all when nothing changed');
});

t.test(
  'a hook pinned by BELUGA_CERT_ID, then sync with the same certificate: unchanged, then no request',
  async (t) => {
    const { sb, env, hook, store } = await setup(t);
    t.equal((await hook('newer', [], { BELUGA_CERT_ID: '7' })).code, 0);
    const dir = await store('newer');
    const first = await runCli(['sync', '--dir', dir], env);
    t.match(first.stdout, /unchanged dir:order-tls/);
    t.equal(puts(sb), 1);
    const before = sb.requests.length;
    t.match((await runCli(['sync', '--dir', dir], env)).stdout, /sync: 0 deployed, 1 unchanged/);
    t.equal(sb.requests.length, before, 'no request at all');
  },
);

t.test('older first, newer through another key: the newer one goes', async (t) => {
  const { sb, env, hook, store } = await setup(t);
  t.equal((await hook('older', ['--domain', 'www.order.test'])).code, 0);
  const synced = await runCli(['sync', '--dir', await store('newer')], env);
  t.match(synced.stdout, /sync: 1 deployed/);
  t.equal(puts(sb), 2);
  t.equal(held(sb), fp(NEWER));
});

t.test(
  'the record is locked, not only the key: a run through another key waits, then leaves its certificate pending',
  async (t) => {
    const { sb, env, hook, state } = await setup(t);
    // A live run (this test process) holds record 7, as a pinned hook polling the edge would.
    const lock = join(state, 'record_7.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }), {
      mode: 0o600,
    });
    const locked = await hook('newer', [], { BELUGA_RUN_BUDGET: '6' });
    t.equal(locked.code, 24, locked.stdout + locked.stderr);
    t.match(locked.stderr, /LOCKED: another run .* is deploying to record:7/);
    t.equal(puts(sb), 0, 'nothing sent while the record is held');
    t.match((await runCli(['pending'], env)).stdout, /domain:order.test: .* last: LOCKED/);
    await unlink(lock);
    const retried = await runCli(['retry'], env);
    t.equal(retried.code, 0, retried.stdout + retried.stderr);
    t.equal(held(sb), fp(NEWER));
    t.equal(puts(sb), 1);
  },
);
