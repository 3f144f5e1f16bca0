/**
 * `beluga-cert sync` and `status` over whole stores, as child processes against the sandbox:
 * one list call per run, uploads only for what changed, one Slack message per run, and the
 * scale case of the issue: 5,000 records, 2,000 local certificates, 50 changed.
 */
import t, { type Test } from 'tap';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { openJournal, journalKey } from '../src/journal/index.js';
import { startSandbox, type Sandbox, type SeedRecord } from './helpers/sandbox.js';
import { certMaker } from './helpers/make-certs.js';
import { runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'sync-id', tokenSecret: 'sync-secret-0123456789' };
const maker = certMaker();
const env = (sb: Sandbox, state: string, extra: Record<string, string> = {}) => ({
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  SLACK_WEBHOOK_URL: sb.slackUrl,
  BELUGA_HOOK_STATE_DIR: state,
  ...extra,
});
const lists = (sb: Sandbox) => sb.requests.filter((r) => r.method === 'GET').length;
const puts = (sb: Sandbox) => sb.requests.filter((r) => r.method === 'PUT');

/** A cert-manager-like folder: one sub-folder per secret with tls.crt and tls.key. */
async function secretDir(t: Test, certs: Record<string, string>): Promise<string> {
  const dir = t.testdir();
  for (const [name, pem] of Object.entries(certs)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'tls.crt'), pem);
    await writeFile(join(dir, name, 'tls.key'), maker.keyPem, { mode: 0o600 });
  }
  return dir;
}

const seed = (id: string, names: string[]): SeedRecord => ({
  id,
  site: `site-${id}`,
  certificate: maker.cert(names),
  key: maker.keyPem,
  names,
});

t.test('sync deploys what changed, skips the rest, and sends one Slack message per run', async (t) => {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [seed('1', ['a.sync.test']), seed('2', ['b.sync.test'])],
  });
  t.teardown(() => sb.close());
  const state = tempStateDir();
  const later = new Date(Date.UTC(2025, 5, 1));
  const dir = await secretDir(t, {
    'site-a-tls': maker.cert(['a.sync.test'], later, 10),
    'site-b-tls': maker.cert(['b.sync.test'], later, 11),
    'nowhere-tls': maker.cert(['nowhere.sync.test'], later, 12),
  });

  const dry = await runCli(['sync', '--dir', dir, '--dry-run'], env(sb, state));
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /sync: 2 would be deployed, 0 unchanged, 0 failed, 1 unmapped/);
  t.equal(puts(sb).length, 0, 'a dry run uploads nothing');
  t.equal(sb.slackMessages.length, 0, 'and tells nobody');

  const first = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, /deployed dir:site-a-tls: a\.sync\.test → Beluga certificate id=1/);
  t.match(first.stdout, /unmapped dir:nowhere-tls: no Beluga certificate holds nowhere\.sync\.test/);
  t.match(first.stdout, /sync: 2 deployed, 0 unchanged, 0 failed, 1 unmapped/);
  t.equal(lists(sb), 2, 'one list call for this run (one more came from the dry run)');
  t.equal(puts(sb).length, 2);
  t.equal(sb.slackMessages.length, 1, 'one message for the whole run');
  t.match(
    (sb.slackMessages[0] as { text: string }).text,
    /Certificate sync on host .*: 2 deployed, 0 failed, 0 unchanged, 1 unmapped/,
  );

  const again = await runCli(['sync', '--dir', dir], env(sb, state));
  t.equal(again.code, 0);
  t.match(again.stdout, /sync: 0 deployed, 2 unchanged, 0 failed, 1 unmapped/);
  t.equal(puts(sb).length, 2, 'nothing uploaded again');
  t.equal(sb.slackMessages.length, 1, 'no message when nothing was deployed or failed');

  // status: a row per certificate, the record it maps to, deployed or not.
  const status = await runCli(['status', '--dir', dir, '--json'], env(sb, state));
  t.equal(status.code, 0, status.stderr);
  const rows = JSON.parse(status.stdout) as Array<{
    label: string;
    record: string | null;
    deployed: string;
    problem: string | null;
    daysLeft: number;
  }>;
  t.match(rows, [
    {
      label: 'dir:nowhere-tls',
      record: null,
      deployed: 'no',
      problem: /no Beluga certificate holds nowhere\.sync\.test/,
    },
    { label: 'dir:site-a-tls', record: '1', deployed: 'yes' },
    { label: 'dir:site-b-tls', record: '2', deployed: 'yes' },
  ]);
  const table = await runCli(['status', '--dir', dir], env(sb, state));
  t.match(table.stdout, /^CERTIFICATE\s+DOMAIN\s+NAMES\s+EXPIRES\s+DAYS\s+RECORD\s+DEPLOYED\s+NOTE$/m);
  t.match(table.stdout, /dir:site-a-tls\s+a\.sync\.test\s+1\s+2035-\d\d-\d\d\s+\d+\s+1\s+yes/);
  t.match(table.stdout, /3 certificate\(s\), 0 expired or expiring within 30 days/);
});

t.test('a failure in a sync is one line, counted, told once, and pending for retry', async (t) => {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [seed('1', ['a.sync.test']), seed('2', ['b.sync.test'])],
  });
  t.teardown(() => sb.close());
  const state = tempStateDir();
  const dir = await secretDir(t, {
    a: maker.cert(['a.sync.test'], new Date(Date.UTC(2025, 6, 1)), 20),
    b: maker.cert(['b.sync.test'], new Date(Date.UTC(2025, 6, 1)), 21),
  });
  sb.fault({ target: 'api', method: 'PUT', status: 400, body: '{"result":"failure","message":"bad certificate"}' });
  const r = await runCli(['sync', '--dir', dir, '--concurrency', '1'], env(sb, state));
  t.equal(r.code, 31, r.stdout + r.stderr);
  t.match(r.stdout, /failed dir:a: REMOTE_REJECTED: beluga: update certificate id=1: HTTP 400: bad certificate/);
  t.match(r.stdout, /sync: 1 deployed, 0 unchanged, 1 failed, 0 unmapped/);
  t.equal(sb.slackMessages.length, 1);
  t.equal((sb.slackMessages[0] as { attachments: Array<{ color: string }> }).attachments[0]!.color, 'danger');
  const pending = await runCli(['pending', '--json'], env(sb, state));
  t.match(JSON.parse(pending.stdout), [{ key: 'domain:a.sync.test' }]);
  const bad = await runCli(['sync'], env(sb, state));
  t.equal(bad.code, 2);
  t.match(bad.stderr, /name at least one store/);
  const pinned = await runCli(['sync', '--dir', dir], env(sb, state, { BELUGA_CERT_ID: '1' }));
  t.equal(pinned.code, 3);
  t.match(pinned.stderr, /BELUGA_CERT_ID pins one record, but sync maps many certificates/);
});

t.test('scale: 5,000 records, 2,000 local certificates, 50 changed: one list call, 50 uploads', async (t) => {
  const N = 2000;
  const CHANGED = 50;
  const domains = Array.from({ length: N }, (_, i) => `host-${i}.scale.test`);
  const records: SeedRecord[] = [];
  const shared = maker.cert(['placeholder.scale.test']);
  for (let i = 0; i < 5000; i++) {
    const names = i < N ? [domains[i]!] : [`other-${i}.elsewhere.test`];
    records.push({ id: String(100000 + i), site: 's', certificate: shared, key: maker.keyPem, names });
  }
  const sb = await startSandbox({ credentials: TOKEN, records });
  t.teardown(() => sb.close());
  const state = tempStateDir();
  const certs: Record<string, string> = {};
  domains.forEach((d, i) => {
    certs[`secret-${String(i).padStart(4, '0')}`] = maker.cert([d], new Date(Date.UTC(2025, 0, 1)), 1000 + i);
  });
  const dir = await secretDir(t, certs);
  // The journal says 1,950 of them are on their records already; 50 are new renewals.
  const journal = await openJournal(state, { now: () => new Date(), onWarning: () => undefined });
  let i = 0;
  for (const [name, pem] of Object.entries(certs)) {
    const index = i++;
    if (index < CHANGED) continue;
    const x = new X509Certificate(pem);
    await journal.write({
      key: journalKey({ domain: domains[index]! }),
      domain: domains[index]!,
      attempts: [],
      deployed: {
        fingerprint256: x.fingerprint256,
        notBefore: new Date(x.validFrom).toISOString(),
        notAfter: new Date(x.validTo).toISOString(),
        names: [domains[index]!],
        at: new Date().toISOString(),
        recordId: String(100000 + index),
        files: { cert: join(dir, name, 'tls.crt'), key: join(dir, name, 'tls.key') },
      },
    });
  }
  const r = await runCli(['sync', '--dir', dir, '--concurrency', '8'], env(sb, state));
  t.equal(r.code, 0, r.stderr.slice(0, 2000));
  t.match(r.stdout, new RegExp(`sync: ${CHANGED} deployed, ${N - CHANGED} unchanged, 0 failed, 0 unmapped`));
  t.equal(lists(sb), 1, 'exactly one list request');
  t.equal(puts(sb).length, CHANGED, 'exactly 50 uploads');
  const targets = new Set(puts(sb).map((p) => JSON.parse(p.body).id as string));
  t.same(
    [...targets].sort(),
    Array.from({ length: CHANGED }, (_, k) => String(100000 + k)).sort(),
    'each to its own record',
  );
  t.equal(sb.slackMessages.length, 1, 'one Slack message for the run');
});

t.test('stores combine: a lego path and a certbot config dir in one run', async (t) => {
  const { fixture, fixtureText } = await import('./helpers/run-cli.js');
  const { copyFile, symlink } = await import('node:fs/promises');
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [
      { id: '1', site: 'a', certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') },
      {
        id: '2',
        site: 'b',
        certificate: fixtureText('ec384.crt'),
        key: fixtureText('ec384.sec1.key'),
        names: ['example.net', 'www.example.net'],
      },
    ],
  });
  t.teardown(() => sb.close());
  const root = t.testdir();
  const lego = join(root, 'lego', 'certificates');
  await mkdir(lego, { recursive: true });
  await copyFile(fixture('ec256.bundle.crt'), join(lego, 'example.com.crt'));
  await copyFile(fixture('ec256.sec1.key'), join(lego, 'example.com.key'));
  const archive = join(root, 'le', 'archive', 'example.net');
  const live = join(root, 'le', 'live', 'example.net');
  await mkdir(archive, { recursive: true });
  await mkdir(live, { recursive: true });
  await copyFile(fixture('ec384.crt'), join(archive, 'cert1.pem'));
  await copyFile(fixture('ec384.pkcs8.key'), join(archive, 'privkey1.pem'));
  await symlink('../../archive/example.net/cert1.pem', join(live, 'cert.pem'));
  await symlink('../../archive/example.net/privkey1.pem', join(live, 'privkey.pem'));
  const r = await runCli(
    ['sync', '--lego-path', join(root, 'lego'), '--certbot-dir', join(root, 'le')],
    env(sb, tempStateDir()),
  );
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /deployed lego:example\.com: example\.com → Beluga certificate id=1/);
  t.match(r.stdout, /deployed certbot:example\.net: example\.net → Beluga certificate id=2/);
  t.equal(lists(sb), 1);
  t.same(
    puts(sb)
      .map((p) => JSON.parse(p.body).id)
      .sort(),
    ['1', '2'],
  );
});

t.test(
  'two certificates of one name valid over the same dates (RSA and ECC issued together) do not replace each other',
  async (t) => {
    const sb = await startSandbox({ credentials: TOKEN, records: [seed('7', ['pair.sync.test'])] });
    t.teardown(() => sb.close());
    const state = tempStateDir();
    const together = new Date(Date.UTC(2025, 6, 1, 12, 0, 0));
    const dir = await secretDir(t, {
      'pair-rsa': maker.cert(['pair.sync.test'], together, 30),
      'pair-ecc': maker.cert(['pair.sync.test'], together, 31),
    });
    const first = await runCli(['sync', '--dir', dir], env(sb, state));
    t.equal(first.code, 0, first.stderr);
    t.match(first.stdout, /sync: 1 deployed, 1 unchanged, 0 failed, 0 unmapped/);
    t.match(first.stdout, /^unchanged dir:pair-(rsa|ecc): pair\.sync\.test$/m, 'the other one is left as it is');
    t.equal(puts(sb).length, 1, 'one upload: the first one stays on the record');
    const onRecord = sb.records().find((r) => String(r.id) === '7')!.certificate;
    for (const run of [2, 3]) {
      const again = await runCli(['sync', '--dir', dir], env(sb, state));
      t.equal(again.code, 0, again.stderr);
      t.match(again.stdout, /sync: 0 deployed, 2 unchanged, 0 failed, 0 unmapped/, `run ${run}`);
      t.equal(puts(sb).length, 1, `run ${run}: nothing uploaded, the pair does not alternate`);
    }
    t.equal(sb.records().find((r) => String(r.id) === '7')!.certificate, onRecord, 'the record keeps the same one');
    // A newer certificate of the name still replaces it.
    await writeFile(
      join(dir, 'pair-rsa', 'tls.crt'),
      maker.cert(['pair.sync.test'], new Date(Date.UTC(2025, 7, 1)), 32),
    );
    const renewed = await runCli(['sync', '--dir', dir], env(sb, state));
    t.match(renewed.stdout, /sync: 1 deployed, 1 unchanged, 0 failed, 0 unmapped/);
    t.equal(puts(sb).length, 2);
  },
);
