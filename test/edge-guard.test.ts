/**
 * Never older than the edge: before an upload the hook asks the edge what it serves for the
 * certificate's names. A newer certificate there (another host deployed it) is OLDER_CERTIFICATE
 * with nothing sent, whatever --force says; --allow-older replaces it; an older one, or an edge
 * that does not answer, lets the upload go on with a line saying so. Over loopback only: the
 * sandbox's TLS edge, pinned with BELUGA_EDGE_ADDRESS.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { CheckedCertificate } from '../src/certificate/types.js';
import { EXIT } from '../src/errors.js';
import { createOutput } from '../src/redact.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { createEdgeGuard } from '../src/verify/edge-guard.js';
import type { Probe } from '../src/verify/edge-probe.js';
import { certMaker } from './helpers/make-certs.js';
import { makeChain } from './helpers/make-chain.js';
import { runCli } from './helpers/run-cli.js';

const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };
const NAMES = ['example.com', 'www.example.com'];
const dir = mkdtempSync(join(tmpdir(), 'edge-guard-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

const maker = certMaker();
const keyFile = write('key.pem', maker.keyPem);
const at = (iso: string) => new Date(iso);
const served = maker.cert(NAMES, at('2026-06-01T00:00:00Z'), 10);
const older = write('older.crt', maker.cert(NAMES, at('2026-03-01T00:00:00Z'), 11));
const newer = write('newer.crt', maker.cert(NAMES, at('2026-09-01T00:00:00Z'), 12));

async function sandbox(): Promise<Sandbox> {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [{ id: '1001', site: 'example-com', certificate: served, key: maker.keyPem }],
  });
  t.teardown(() => sb.close());
  return sb;
}
const env = (sb: Sandbox, edge = sb.edgeAddress) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  BELUGA_EDGE_ADDRESS: edge,
});
const deploy = (cert: string, ...extra: string[]) => ['deploy', '--cert', cert, '--key', keyFile, ...extra];

t.test(
  'the edge serves a newer certificate: OLDER_CERTIFICATE, nothing sent, nothing pending; --force does not pass',
  async (t) => {
    const sb = await sandbox();
    for (const extra of [[], ['--force'], ['--dry-run']]) {
      const r = await runCli(deploy(older, ...extra), env(sb));
      t.equal(r.code, EXIT.OLDER_CERTIFICATE, `${extra.join(' ')}: ${r.stderr}`);
      t.match(
        r.stderr,
        /the edge serves a newer certificate for (www\.)?example\.com \(notBefore 2026-06-01T00:00:00\.000Z, sha256 [0-9A-F:]+…\) than this one \(notBefore 2026-03-01T00:00:00\.000Z\), likely deployed by another host; nothing was sent\. Pass --allow-older/,
      );
    }
    t.same(
      sb.requests.map((r) => r.method),
      [],
      'no request reached the API: not even the list',
    );
    const stateDir = join(dir, 'state-older');
    const refused = await runCli(deploy(older), { ...env(sb), BELUGA_HOOK_STATE_DIR: stateDir });
    t.equal(refused.code, EXIT.OLDER_CERTIFICATE);
    const pending = await runCli(['pending', '--json'], { ...env(sb), BELUGA_HOOK_STATE_DIR: stateDir });
    t.same(JSON.parse(pending.stdout), [], 'not pending: a retry could never deploy it');
  },
);

t.test('--allow-older replaces what the edge serves', async (t) => {
  const sb = await sandbox();
  const r = await runCli(deploy(older, '--allow-older'), env(sb));
  t.equal(r.code, EXIT.OK, r.stderr);
  t.notMatch(r.stdout, /^edge: /m, 'the edge is not asked before the upload');
  t.same(
    sb.requests.map((q) => q.method),
    ['GET', 'PUT'],
  );
});

t.test('the edge serves an older certificate: the upload goes on', async (t) => {
  const sb = await sandbox();
  const r = await runCli(deploy(newer), env(sb));
  t.equal(r.code, EXIT.OK, r.stderr);
  t.match(r.stdout, /^edge: serves nothing newer for 2 name\(s\); going on$/m);
  t.same(
    sb.requests.map((q) => q.method),
    ['GET', 'PUT'],
  );
});

t.test('an edge that does not answer is said, and the upload goes on', async (t) => {
  const sb = await sandbox();
  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  const r = await runCli(deploy(newer), env(sb, `127.0.0.1:${closed}`));
  t.equal(r.code, EXIT.OK, r.stderr);
  t.match(
    r.stdout,
    /^edge: could not ask for 2 of 2 name\(s\) before the upload \((www\.)?example\.com: connection refused \(127\.0\.0\.1:\d+\)\); going on$/m,
  );
  t.same(
    sb.requests.map((q) => q.method),
    ['GET', 'PUT'],
  );
});

t.test('against a real API, a newer certificate counts only when browsers would trust it', async (t) => {
  const chain = makeChain({ rootName: 'Guard Test Root', intermediateName: 'Guard Test CA', names: ['example.com'] });
  const leaf = new X509Certificate(chain.leafPem);
  const probe: Probe = async () => ({
    ok: true,
    fingerprint256: leaf.fingerprint256,
    names: ['example.com'],
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    der: leaf.raw,
    chainDer: [new X509Certificate(chain.intermediatePem).raw],
  });
  const mine = {
    names: ['example.com'],
    fingerprint256: 'AA:BB',
    notBefore: new Date(Date.now() - 30 * 86_400_000),
  } as CheckedCertificate;
  const lines: string[] = [];
  const out = createOutput({ write: (s: string) => lines.push(s) > 0 }, { write: () => true });
  await createEdgeGuard({ loopback: false }, { probe })(mine, out);
  t.match(
    lines.join(''),
    /edge: serves a newer certificate for example\.com that browsers would not trust; not counted/,
  );
  const caFile = write('guard-root.pem', chain.rootPem);
  await t.rejects(createEdgeGuard({ loopback: false, caFile }, { probe })(mine, out), { code: 'OLDER_CERTIFICATE' });
});
