/**
 * End to end with the real dehydrated (Debian 0.7.0): `-c` with hooks/dehydrated as HOOK. Of all
 * the handlers dehydrated calls, only deploy_cert may deploy: it must put exactly the leaf, chain
 * and key dehydrated wrote into the Beluga sandbox record that holds the domain and tell the Slack
 * sink; the others (and `unchanged_cert` on a run that is not due) must do nothing, silently.
 * In CI (process.env.CI set) a missing client fails; elsewhere the tests are skipped.
 */
import t, { type Test } from 'tap';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { dehydratedRun, missingCommands, type ClientResult, type DehydratedPaths } from './helpers/acme-clients.js';
import { startPebble } from './helpers/pebble.js';
import { ROOT, fixtureText } from './helpers/run-cli.js';

// dehydrated polls with sleep 1/2: each run takes several seconds; the clients' own kill timers bound them
t.setTimeout(10 * 60_000);

const HOOK = join(ROOT, 'hooks', 'dehydrated');
const TOKEN = { tokenId: 'e2e-dehydrated-id', tokenSecret: 'e2e-dehydrated-secret-0123456789' };
const OLD = { certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') };
const DECOY = { id: '2999', names: ['decoy.example.com'] };
const EC_KEY_BLOCK = /-----BEGIN EC PRIVATE KEY-----[\s\S]+?-----END EC PRIVATE KEY-----/;

const missing = await missingCommands(['pebble', 'pebble-challtestsrv', 'openssl', 'dehydrated', 'curl']);
const notBuilt = existsSync(join(ROOT, 'dist', 'hooks', 'dehydrated.js')) ? [] : ['dist/hooks/dehydrated.js (npm run build)'];
const problem = [...missing, ...notBuilt].join(', ');
const pebble = problem ? undefined : await startPebble();
t.teardown(() => pebble?.stop());

/** A sandbox holding the old fixture certificate under `id` for `names`, plus an unrelated decoy. */
async function sandbox(t: Test, id: string, names: string[]): Promise<Sandbox> {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [{ id, site: 'e2e', names, ...OLD }, { ...DECOY, site: 'e2e', ...OLD }],
  });
  t.teardown(() => sb.close());
  return sb;
}

/** What the hook needs, handed to dehydrated so that it hands it on (BELUGA_HOOK_CONFIG=none: no file). */
const hookEnv = (sb: Sandbox) => ({
  BELUGA_BASE_URL: sb.url, BELUGA_TOKEN_ID: TOKEN.tokenId, BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  SLACK_WEBHOOK_URL: sb.slackUrl, BELUGA_HOOK_CONFIG: 'none',
});

const output = (r: ClientResult<unknown>) => r.stdout + r.stderr;
const hookLines = (r: ClientResult<unknown>) => output(r).split('\n').filter((l) => /^(read|check|resolve|upload|notify|beluga-cert): /.test(l));

function okRun(t: Test, what: string, r: ClientResult<unknown>): void {
  t.comment(`${what}: exit ${r.exitCode} in ${r.durationMs} ms`);
  t.equal(r.exitCode, 0, `${what} exits 0`, { output: output(r).slice(-4000), timedOut: r.timedOut });
}

/**
 * The key file's base64 lines that hold private bytes. Lines that only encode the public key are
 * left out: certificates and CSRs (which clients log) carry the same bytes, and may match by chance.
 */
function privateLines(pem: string): string[] {
  const spki = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' });
  return pem.split('\n').map((l) => l.trim()).filter((l) => l.length > 20 && !l.startsWith('-----'))
    .filter((l) => !spki.includes(Buffer.from(l, 'base64')));
}

/** No token secret, webhook URL or private key text in anything dehydrated printed. */
async function noSecrets(t: Test, sb: Sandbox, r: ClientResult<DehydratedPaths>): Promise<void> {
  const keyLines = privateLines(await readFile(r.paths.privkey, 'utf8'));
  t.ok(keyLines.length > 0, 'the key has private lines to look for');
  const all = output(r);
  const leaked = [TOKEN.tokenSecret, sb.slackUrl, ...keyLines].filter((s) => all.includes(s));
  t.same(leaked.map((s) => `${s.slice(0, 6)}…`), [], "no token secret, webhook URL or key line in dehydrated's output");
  t.notMatch(all, /PRIVATE KEY/, "no PEM key block in dehydrated's output");
}

/**
 * The last PUT went to `id`; the record holds dehydrated's cert.pem, chain.pem and the key of
 * privkey.pem; the decoy is untouched; Slack's last message is a success for `domain`. Returns
 * the leaf's fingerprint.
 */
async function checkDeployed(t: Test, sb: Sandbox, id: string, paths: DehydratedPaths, domain: string,
  deploys: number): Promise<string> {
  const leaf = new X509Certificate(await readFile(paths.cert));
  const keyPem = await readFile(paths.privkey, 'utf8');
  const puts = sb.requests.filter((r) => r.method === 'PUT');
  t.equal(puts.length, deploys, `${deploys} PUT(s) so far`);
  t.equal(JSON.parse(puts.at(-1)?.body ?? '{}').id, id, `PUT went to id ${id}`);
  const record = sb.records().find((r) => String(r.id) === id);
  t.ok(record, `record ${id} exists`);
  if (!record) return '';
  t.equal(new X509Certificate(record.certificate).fingerprint256, leaf.fingerprint256, 'record holds the leaf dehydrated wrote');
  t.equal(new X509Certificate(record.chain).fingerprint256, new X509Certificate(await readFile(paths.chain)).fingerprint256,
    'record holds the chain dehydrated wrote');
  const stored = createPrivateKey(record.key);
  t.ok(leaf.checkPrivateKey(stored), 'stored key matches the leaf');
  const der = (k: ReturnType<typeof createPrivateKey>) => k.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  t.equal(der(stored), der(createPrivateKey(keyPem)), 'stored key is the key in the file dehydrated wrote');
  // privkey.pem starts with an EC PARAMETERS block (E2E-NOTES): the upload carries only the key block
  t.equal(record.key.trim(), keyPem.match(EC_KEY_BLOCK)?.[0], "stored key is privkey.pem's EC PRIVATE KEY block");
  t.same(sb.records().find((r) => r.id === DECOY.id)?.certificate, OLD.certificate, 'the decoy record is untouched');
  t.equal(sb.slackMessages.length, deploys, 'one Slack message per deploy, none for the other handlers');
  const msg = sb.slackMessages.at(-1) as { attachments: Array<{ color: string; fields: Array<{ title: string; value: string }> }> };
  t.equal(msg?.attachments[0]?.color, '#36a64f', 'Slack: success colour');
  t.equal(msg?.attachments[0]?.fields.find((f) => f.title === 'Domain')?.value, domain, 'Slack: the domain');
  t.equal(msg?.attachments[0]?.fields.find((f) => f.title === 'Beluga id')?.value, id, 'Slack: the id');
  return leaf.fingerprint256;
}

/** Fails in CI when dehydrated, pebble or the build is missing; skips elsewhere. */
function dehydratedTest(name: string, body: (t: Test) => Promise<void>): void {
  const skip = problem && !process.env.CI ? `missing ${problem} (run .ci/install-e2e-deps.sh)` : false;
  t.test(name, { skip }, async (t) => {
    if (problem || !pebble) return void t.fail(`missing ${problem || 'pebble'}`);
    await body(t);
    if (!t.passing()) t.comment(`pebble log tail:\n${pebble.logs().slice(-3000)}`);
  });
}

dehydratedTest('dehydrated -c with HOOK: deploy_cert deploys; not due: nothing; --force: the new leaf', async (t) => {
  const domains = ['e2e-dehydrated.example.com', 'www.e2e-dehydrated.example.com'];
  const sb = await sandbox(t, '2001', domains);
  const common = { pebble: pebble!, domains, hookPath: HOOK, env: hookEnv(sb) };
  const first = await dehydratedRun(common);
  okRun(t, 'dehydrated register + -c', first);
  // every other handler (startup_hook, deploy_challenge, ..., exit_hook) exits 0 and prints nothing
  t.strictSame(hookLines(first).map((l) => l.split(':')[0]), ['read', 'check', 'resolve', 'upload', 'notify'],
    "one deploy's lines in dehydrated's output", { lines: hookLines(first) });
  const fp = await checkDeployed(t, sb, '2001', first.paths, domains[0]!, 1);
  t.equal(createPrivateKey(sb.records().find((r) => r.id === '2001')!.key).asymmetricKeyDetails?.namedCurve, 'secp384r1',
    "stored key is dehydrated's default P-384");
  await noSecrets(t, sb, first);

  const notDue = await dehydratedRun({ ...common, dir: first.paths.dir });
  okRun(t, 'dehydrated -c, not due', notDue);
  t.match(notDue.stdout, /Skipping renew/, 'dehydrated found nothing to renew');
  t.strictSame(hookLines(notDue), [], 'the hook said nothing (unchanged_cert)');
  t.equal(sb.requests.filter((r) => r.method !== 'GET').length, 1, 'no further upload');
  t.equal(sb.slackMessages.length, 1, 'no further Slack message');

  const forced = await dehydratedRun({ ...common, dir: first.paths.dir, force: true });
  okRun(t, 'dehydrated -c --force', forced);
  const renewed = await checkDeployed(t, sb, '2001', forced.paths, domains[0]!, 2);
  t.not(renewed, fp, 'the record now holds the renewed leaf');
  await noSecrets(t, sb, forced);
});

dehydratedTest('dehydrated with the sandbox failing: dehydrated exits 1, Slack is told, the record is unchanged', async (t) => {
  const domain = 'e2e-dehydrated-fail.example.com';
  const sb = await sandbox(t, '2003', [domain]);
  sb.fault({ target: 'api', method: 'PUT', status: 500, times: 10 });
  const res = await dehydratedRun({ pebble: pebble!, domains: [domain], hookPath: HOOK, env: hookEnv(sb) });
  t.comment(`dehydrated -c, PUT answers 500: exit ${res.exitCode} in ${res.durationMs} ms`);
  // dehydrated aborts with 1 on a failed deploy_cert, whatever the hook's own code (E2E-NOTES)
  t.equal(res.exitCode, 1, 'dehydrated exits 1', { output: output(res).slice(-4000) });
  const errors = output(res).split('\n').filter((l) => l.includes('beluga-cert: '));
  t.equal(errors.length, 1, "one line of the hook's error in dehydrated's output", { errors });
  t.match(errors[0], /beluga-cert: REMOTE_UNAVAILABLE: beluga: update certificate id=2003: HTTP 500/);
  t.equal(sb.records().find((r) => r.id === '2003')?.certificate, OLD.certificate, 'the record still holds the old certificate');
  t.equal(sb.slackMessages.length, 1, 'one Slack message');
  const msg = sb.slackMessages[0] as { text: string; attachments: Array<{ color: string }> };
  t.equal(msg?.attachments[0]?.color, 'danger', 'Slack: failure colour');
  t.match(msg?.text, /e2e-dehydrated-fail\.example\.com.*REMOTE_UNAVAILABLE/, 'Slack: domain and code');
  await noSecrets(t, sb, res);
});
