/**
 * The verify step end to end: `beluga-cert deploy` as a child process against the sandbox's API
 * and its TLS edge on 127.0.0.1 (BELUGA_EDGE_ADDRESS pins it: no DNS), for every outcome the issue
 * lists, with the Slack text for each; then `beluga-cert verify` with and without names, and
 * `status` and `sync` finishing a pending check.
 */
import t, { type Test } from 'tap';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startSandbox, type EdgeOptions, type Sandbox, type SeedRecord } from '../src/sandbox/index.js';
import { fixtureText, runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';
import { EC256_FILES, EXAMPLE_RECORD } from './helpers/example-record.js';

const TOKEN = { tokenId: 'verify-id', tokenSecret: 'verify-secret-0123456789' };
const OLD = new X509Certificate(fixtureText('rsa2048.crt'));
const NEW = new X509Certificate(fixtureText('ec256.crt'));
const NET = new X509Certificate(fixtureText('ec384.crt'));
const oldRecord = EXAMPLE_RECORD;
const newCert = EC256_FILES;
const DAY = 86_400_000;
const oldDays = Math.floor((Date.parse(OLD.validTo) - Date.now()) / DAY);

async function sandbox(t: Test, edge: EdgeOptions = {}, records: SeedRecord[] = [oldRecord]): Promise<Sandbox> {
  const sb = await startSandbox({ credentials: TOKEN, records, edge });
  t.teardown(() => sb.close());
  return sb;
}

const env = (sb: Sandbox, extra: Record<string, string> = {}) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  SLACK_WEBHOOK_URL: sb.slackUrl,
  BELUGA_EDGE_ADDRESS: sb.edgeAddress,
  BELUGA_VERIFY_TIMEOUT: '3',
  ...extra,
});

/** The Edge field of the last Slack message, or undefined. */
/** The handshakes after the upload (before it, the edge guard asks whether the edge serves anything newer). */
const afterUpload = (sb: Sandbox) => {
  const put = sb.requests.find((r) => r.method === 'PUT');
  return put ? sb.edgeHandshakes.filter((h) => h.at >= put.at) : [];
};
const edgeField = (sb: Sandbox): string | undefined =>
  (
    sb.slackMessages.at(-1) as { attachments: Array<{ fields: Array<{ title: string; value: string }> }> } | undefined
  )?.attachments[0]?.fields.find((f) => f.title === 'Edge')?.value;

async function journalEntry(dir: string): Promise<any> {
  const name = (await readdir(dir)).find((n) => n.endsWith('.json'));
  return JSON.parse(await readFile(join(dir, name!), 'utf8'));
}

/** A loopback port with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

t.test('immediate propagation: live on the edge, told to Slack, recorded as served; SNI is each name', async (t) => {
  const sb = await sandbox(t);
  const state = tempStateDir();
  const r = await runCli(['deploy', ...newCert], env(sb, { BELUGA_HOOK_STATE_DIR: state }));
  t.equal(r.code, 0, r.stderr);
  t.match(
    r.stdout,
    /upload: updated Beluga certificate id=1001\nverify: live on the edge after \d+ s \(all 2 names\)\nnotify: slack: sent/,
  );
  t.match(edgeField(sb), /^live on the edge after \d+ s \(all 2 names\)$/);
  t.same([...new Set(afterUpload(sb).map((h) => h.servername))].sort(), ['example.com', 'www.example.com']);
  t.ok(afterUpload(sb).length > 0 && afterUpload(sb).every((h) => h.fingerprint256 === NEW.fingerprint256));
  t.same([...new Set(sb.edgeHandshakes.map((h) => h.servername))].sort(), ['example.com', 'www.example.com']);
  t.match((await journalEntry(state)).edge, {
    state: 'served',
    fingerprint256: NEW.fingerprint256,
    names: ['example.com', 'www.example.com'],
    text: /^live on the edge/,
  });
});

t.test('delayed propagation: polled until the edge switches, inside the run', async (t) => {
  const sb = await sandbox(t, { delayMs: 1500 });
  const r = await runCli(['deploy', ...newCert, '--json'], env(sb, { BELUGA_VERIFY_TIMEOUT: '30' }));
  t.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  t.match(doc.edge, {
    status: 'checked',
    text: /^live on the edge after \d+ s \(all 2 names\)$/,
    names: [
      { name: 'example.com', outcome: 'served' },
      { name: 'www.example.com', outcome: 'served' },
    ],
  });
  t.match(edgeField(sb), /^live on the edge after \d+ s/);
  t.equal(sb.edgeHandshakes.at(-1)?.fingerprint256, NEW.fingerprint256);
});

t.test(
  'never propagating: the deploy still succeeds; the edge still serves the old certificate, with its expiry; verify finishes it later',
  async (t) => {
    const sb = await sandbox(t, { never: true });
    const state = tempStateDir();
    const e = env(sb, { BELUGA_HOOK_STATE_DIR: state, BELUGA_VERIFY_TIMEOUT: '2' });
    const r = await runCli(['deploy', ...newCert], e);
    t.equal(r.code, 0, r.stderr);
    const text = `edge still serves the old certificate, expires in ${oldDays} days`;
    t.match(r.stdout, `verify: ${text}`);
    t.equal(edgeField(sb), text);
    t.match((await journalEntry(state)).edge, { state: 'pending', fingerprint256: NEW.fingerprint256 });

    const later = await runCli(['verify'], e);
    t.equal(later.code, 41, later.stderr);
    t.match(later.stdout, `verify: example.com: ${text}`);
    const byName = await runCli(['verify', 'www.example.com', '--json'], e);
    t.equal(byName.code, 41);
    t.match(JSON.parse(byName.stdout), [
      {
        name: 'www.example.com',
        address: sb.edgeAddress,
        error: null,
        matches: false,
        served: {
          fingerprint256: OLD.fingerprint256,
          names: ['example.com', 'www.example.com'],
          notAfter: new Date(OLD.validTo).toISOString(),
        },
        expected: { fingerprint256: NEW.fingerprint256, recordId: '1001', key: 'domain:example.com' },
      },
    ]);
  },
);

t.test('a wrong certificate on the edge for one name: "another certificate", with its fingerprint', async (t) => {
  const sb = await sandbox(t, {
    overrides: [{ name: 'www.example.com', certificate: fixtureText('ec384.crt'), key: fixtureText('ec384.sec1.key') }],
  });
  const r = await runCli(['deploy', ...newCert], env(sb, { BELUGA_VERIFY_TIMEOUT: '2' }));
  t.equal(r.code, 0, r.stderr);
  const text = `live for example.com after \\d+ s; edge serves another certificate for www.example.com \\(sha256 ${NET.fingerprint256.slice(0, 11)}…\\)`;
  t.match(r.stdout, new RegExp(`verify: ${text}`));
  t.match(edgeField(sb), new RegExp(`^${text}$`));
});

t.test(
  'an unreachable edge: hook mode reports it per name; auto gives up at once and says it did not check',
  async (t) => {
    const sb = await sandbox(t);
    const port = await closedPort();
    const hook = await runCli(
      ['deploy', ...newCert],
      env(sb, { BELUGA_EDGE_ADDRESS: `127.0.0.1:${port}`, BELUGA_VERIFY: 'hook', BELUGA_VERIFY_TIMEOUT: '2' }),
    );
    t.equal(hook.code, 0, hook.stderr);
    t.match(hook.stdout, `verify: edge unreachable: connection refused (127.0.0.1:${port})`);
    t.equal(edgeField(sb), `edge unreachable: connection refused (127.0.0.1:${port})`);

    const auto = await runCli(['deploy', ...newCert, '--force'], env(sb, { BELUGA_EDGE_ADDRESS: `127.0.0.1:${port}` }));
    t.equal(auto.code, 0, auto.stderr);
    const text = `not checked: no edge reachable from this host (connection refused (127.0.0.1:${port})); set BELUGA_EDGE_ADDRESS, or BELUGA_VERIFY=later or off`;
    t.match(auto.stdout, `verify: ${text}`);
    t.equal(edgeField(sb), text);
  },
);

t.test('a name the edge does not serve: the handshake is refused, and the message says so', async (t) => {
  const sb = await sandbox(t, { never: true }, []);
  const r = await runCli(['deploy', ...newCert], env(sb, { BELUGA_SITE: 'new-site', BELUGA_VERIFY_TIMEOUT: '2' }));
  t.equal(r.code, 0, r.stderr);
  t.match(
    r.stdout,
    /upload: created Beluga certificate id=\d+\nverify: edge unreachable: the edge closed the TLS handshake for example\.com: it does not serve this name/,
  );
  t.match(
    edgeField(sb),
    /^edge unreachable: the edge closed the TLS handshake for example\.com: it does not serve this name \(.*127\.0\.0\.1:\d+\)$/,
  );
  const v = await runCli(['verify', 'example.com'], env(sb));
  t.equal(v.code, 42);
  t.match(v.stdout, /^example\.com: unreachable: the edge closed the TLS handshake/);
});

t.test(
  'BELUGA_VERIFY=later: nothing asked in the run; verify (from cron) finishes it, then nothing is pending',
  async (t) => {
    const sb = await sandbox(t);
    const state = tempStateDir();
    const e = env(sb, { BELUGA_HOOK_STATE_DIR: state, BELUGA_VERIFY: 'later' });
    const r = await runCli(['deploy', ...newCert], e);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, 'verify: edge check pending: beluga-cert verify (run by cron, sync or status) reports it');
    t.equal(edgeField(sb), 'edge check pending: beluga-cert verify (run by cron, sync or status) reports it');
    t.equal(afterUpload(sb).length, 0, 'the hook did not ask the edge after the upload');
    t.ok(
      sb.edgeHandshakes.every((h) => h.fingerprint256 !== NEW.fingerprint256),
      'only the guard asked, before it',
    );
    t.match((await journalEntry(state)).edge, { state: 'pending', names: ['example.com', 'www.example.com'] });

    const v = await runCli(['verify', '--json'], e);
    t.equal(v.code, 0, v.stderr);
    t.match(JSON.parse(v.stdout), [
      { key: 'domain:example.com', served: true, text: /^live on the edge after \d+ (s|min) \(all 2 names\)$/ },
    ]);
    t.match((await journalEntry(state)).edge, { state: 'served', checkedAt: /^\d{4}-/ });
    const again = await runCli(['verify'], e);
    t.equal(again.code, 0);
    t.match(again.stdout, 'verify: no edge check is pending');
  },
);

t.test('verify NAME: what the edge serves now and whether it is the newest deployed certificate', async (t) => {
  const sb = await sandbox(t);
  const state = tempStateDir();
  const e = env(sb, { BELUGA_HOOK_STATE_DIR: state });
  const before = await runCli(['verify', 'example.com'], e);
  t.equal(before.code, 0, 'nothing in the journal to disagree with');
  t.match(
    before.stdout,
    `example.com: the edge (${sb.edgeAddress}) serves sha256 ${OLD.fingerprint256} for example.com, www.example.com, expires in ${oldDays} days`,
  );
  t.match(before.stdout, 'no deployed certificate for this name in the journal to compare with');
  t.equal((await runCli(['deploy', ...newCert], e)).code, 0);
  const after = await runCli(['verify', 'EXAMPLE.com', 'www.example.com'], e);
  t.equal(after.code, 0, after.stderr);
  t.match(after.stdout, /example\.com: .* matches the newest deployed certificate \(Beluga id 1001, deployed \d{4}-/);
  t.equal(after.stdout.trim().split('\n').length, 2);
  const bad = await runCli(['verify', 'https://example.com'], e);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /USAGE: not a host name: https:\/\/example\.com/);
});

t.test('status and sync finish a pending check and show it', async (t) => {
  const sb = await sandbox(t, { delayMs: 3_600_000 });
  const state = tempStateDir();
  const e = env(sb, { BELUGA_HOOK_STATE_DIR: state, BELUGA_VERIFY: 'later' });
  t.equal((await runCli(['deploy', ...newCert], e)).code, 0);
  const store = await mkdtemp(join(tmpdir(), 'bch-verify-store-'));
  t.teardown(() => rm(store, { recursive: true, force: true }));
  await mkdir(join(store, 'example-tls'));
  await writeFile(join(store, 'example-tls', 'tls.crt'), fixtureText('ec256.bundle.crt'));
  await writeFile(join(store, 'example-tls', 'tls.key'), fixtureText('ec256.sec1.key'), { mode: 0o600 });
  const status = await runCli(['status', '--dir', store, '--json'], e);
  t.equal(status.code, 0, status.stderr);
  const text = `edge still serves the old certificate, expires in ${oldDays} days`;
  t.match(JSON.parse(status.stdout), [{ deployed: 'yes', edge: { state: 'pending', text } }]);
  t.match((await journalEntry(state)).edge, { state: 'pending', text }, 'status asked the edge and recorded it');
  const sync = await runCli(['sync', '--dir', store], e);
  t.equal(sync.code, 0, sync.stderr);
  t.match(sync.stdout, `edge example.com: edge still serves the old certificate, expires in ${oldDays} days`);
});

t.test(
  'the sandbox rule: against a loopback API with no BELUGA_EDGE_ADDRESS, auto asks no edge and says nothing',
  async (t) => {
    const sb = await sandbox(t);
    const r = await runCli(['deploy', ...newCert], env(sb, { BELUGA_EDGE_ADDRESS: '' }));
    t.equal(r.code, 0, r.stderr);
    t.notMatch(r.stdout, /verify:/);
    t.equal(sb.edgeHandshakes.length, 0);
    t.equal(edgeField(sb), undefined);
  },
);

t.test('bad verify settings: CONFIG (exit 3) naming them, told to Slack, nothing uploaded', async (t) => {
  const sb = await sandbox(t);
  const r = await runCli(
    ['deploy', ...newCert],
    env(sb, { BELUGA_EDGE_ADDRESS: 'edge.example', BELUGA_VERIFY: 'maybe' }),
  );
  t.equal(r.code, 3);
  t.match(
    r.stderr,
    /CONFIG: BELUGA_VERIFY must be one of off, hook, later, auto \(got maybe\); BELUGA_EDGE_ADDRESS must be host:port/,
  );
  t.equal(sb.requests.filter((q) => q.method === 'PUT').length, 0);
  t.equal((sb.slackMessages.at(-1) as { attachments: Array<{ color: string }> }).attachments[0]!.color, 'danger');
  const v = await runCli(['verify', 'example.com'], env(sb, { BELUGA_EDGE_ADDRESS: '[::1]' }));
  t.equal(v.code, 3);
});
