/**
 * A store that is missing or holds nothing of its kind is a mistake to fix, not a quiet success:
 * `sync`, `status`, `metrics` and `expiry` still serve the other stores, then exit 4
 * (STORE_UNUSABLE) with a line naming the store and what such a store holds.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { EXIT } from '../src/errors.js';
import { startSandbox } from './helpers/sandbox.js';
import { fixtureText, runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'sm-id', tokenSecret: 'store-mistakes-secret-0123' };
const dir = await mkdtemp(join(tmpdir(), 'store-mistakes-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
// A certbot config folder (live/NAME/...), given by mistake as lego's --path.
await mkdir(join(dir, 'letsencrypt', 'live', 'example.com'), { recursive: true });
// A good cert-manager-style store.
await mkdir(join(dir, 'secrets', 'example-com'), { recursive: true });
await writeFile(join(dir, 'secrets', 'example-com', 'tls.crt'), fixtureText('ec256.bundle.crt'));
await writeFile(join(dir, 'secrets', 'example-com', 'tls.key'), fixtureText('ec256.sec1.key'));

const sb = await startSandbox({
  credentials: TOKEN,
  records: [
    { id: '1001', site: 'com', certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') },
  ],
});
t.teardown(() => sb.close());
const env = () => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  BELUGA_HOOK_STATE_DIR: tempStateDir(),
});

t.test('a missing store: exit 4 and a line, for every command that reads stores', async (t) => {
  const missing = join(dir, 'nonexist');
  for (const args of [['sync'], ['status'], ['status', '--json'], ['metrics'], ['expiry', '--days', '3']]) {
    const r = await runCli([...args, '--lego-path', missing], env());
    t.equal(r.code, EXIT.STORE_UNUSABLE, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    t.match(r.stdout + r.stderr, `skipped --lego-path ${missing}: store folder ${missing} does not exist`);
    t.match(r.stderr, `beluga-cert: STORE_UNUSABLE: 1 store(s) gave no certificate: --lego-path ${missing}`);
  }
  const json = await runCli(['status', '--json', '--lego-path', missing], env());
  t.same(JSON.parse(json.stdout), [], 'status --json still prints its (empty) rows');
});

t.test('a certbot folder given as --lego-path: says what a lego store holds', async (t) => {
  const before = sb.requests.length;
  const r = await runCli(['sync', '--lego-path', join(dir, 'letsencrypt')], env());
  t.equal(r.code, EXIT.STORE_UNUSABLE, r.stdout + r.stderr);
  t.match(
    r.stdout,
    `skipped --lego-path ${join(dir, 'letsencrypt')}: holds no lego certificate; give lego's --path, the folder whose certificates/ holds NAME.crt and NAME.key`,
  );
  t.equal(sb.requests.length, before, 'nothing to deploy, nothing asked');
});

t.test('the other stores are still served, then the exit says what was wrong', async (t) => {
  const r = await runCli(['sync', '--dir', join(dir, 'secrets'), '--lego-path', join(dir, 'nonexist')], env());
  t.equal(r.code, EXIT.STORE_UNUSABLE, r.stdout + r.stderr);
  t.match(r.stdout, /^deployed dir:example-com: example\.com → Beluga certificate id=1001$/m);
  t.ok(
    sb.requests.some((q) => q.method === 'PUT'),
    'the good store was deployed',
  );
  const good = await runCli(['status', '--dir', join(dir, 'secrets')], env());
  t.equal(good.code, EXIT.OK, 'a store that gives certificates is no mistake');
});
