/**
 * End to end with the real certbot (Debian 2.1.0): it issues from a local pebble and runs
 * hooks/certbot as --deploy-hook (certonly, then the stored hook on renew --force-renewal), which
 * must put exactly the leaf, chain and key of the lineage into the Beluga sandbox record that
 * holds the domain, and tell the Slack sink. certbot ignores a failing hook (exits 0), so on the
 * failure path Slack is the only one told.
 * In CI (process.env.CI set) a missing client fails; elsewhere the tests are skipped.
 */
import t, { type Test } from 'tap';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { certbotCertonly, certbotRenew, missingCommands, type CertbotPaths, type ClientResult } from './helpers/acme-clients.js';
import { startPebble } from './helpers/pebble.js';
import { ROOT, fixtureText } from './helpers/run-cli.js';

// a few certbot runs; tap's per-file timeout must not cut the clients' own 120 s kill timers short
t.setTimeout(10 * 60_000);

const HOOK = join(ROOT, 'hooks', 'certbot');
const TOKEN = { tokenId: 'e2e-certbot-id', tokenSecret: 'e2e-certbot-secret-0123456789' };
const OLD = { certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') };
const DECOY = { id: '2999', names: ['decoy.example.com'] };

const missing = await missingCommands(['pebble', 'pebble-challtestsrv', 'openssl', 'certbot']);
const notBuilt = existsSync(join(ROOT, 'dist', 'hooks', 'certbot.js')) ? [] : ['dist/hooks/certbot.js (npm run build)'];
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

/** What the hook needs, handed to certbot so that certbot hands it on (BELUGA_HOOK_CONFIG=none: no file). */
const hookEnv = (sb: Sandbox) => ({
  BELUGA_BASE_URL: sb.url, BELUGA_TOKEN_ID: TOKEN.tokenId, BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  SLACK_WEBHOOK_URL: sb.slackUrl, BELUGA_HOOK_CONFIG: 'none',
});

const output = (r: ClientResult<unknown>) => r.stdout + r.stderr;

function okRun(t: Test, what: string, r: ClientResult<CertbotPaths>): void {
  t.comment(`${what}: exit ${r.exitCode} in ${r.durationMs} ms`);
  t.equal(r.exitCode, 0, `${what} exits 0`, { output: output(r).slice(-4000), timedOut: r.timedOut });
  t.ok(r.paths.lineage, `${what} wrote one lineage`);
}

/** certbot's own log: hook output and errors land there, not on the terminal only. */
const certbotLog = (r: ClientResult<CertbotPaths>) => readFile(join(r.paths.dir, 'logs', 'letsencrypt.log'), 'utf8').catch(() => '');

/**
 * The key file's base64 lines that hold private bytes. Lines that only encode the public key are
 * left out: certificates and CSRs (which clients log) carry the same bytes, and may match by chance.
 */
function privateLines(pem: string): string[] {
  const spki = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' });
  return pem.split('\n').map((l) => l.trim()).filter((l) => l.length > 20 && !l.startsWith('-----'))
    .filter((l) => !spki.includes(Buffer.from(l, 'base64')));
}

/** No token secret, webhook URL or private key text in certbot's output or log. */
async function noSecrets(t: Test, sb: Sandbox, r: ClientResult<CertbotPaths>): Promise<void> {
  const keyLines = privateLines(await readFile(r.paths.privkey!, 'utf8'));
  t.ok(keyLines.length > 0, 'the key has private lines to look for');
  const all = output(r) + (await certbotLog(r));
  const leaked = [TOKEN.tokenSecret, sb.slackUrl, ...keyLines].filter((s) => all.includes(s));
  t.same(leaked.map((s) => `${s.slice(0, 6)}…`), [], "no token secret, webhook URL or key line in certbot's output or log");
  t.notMatch(all, /PRIVATE KEY/, "no PEM key block in certbot's output or log");
}

/**
 * The last PUT went to `id`; the record holds the lineage's cert.pem, chain.pem and privkey.pem;
 * the decoy is untouched; Slack's last message is a success for `domain`. Returns the leaf's
 * fingerprint.
 */
async function checkDeployed(t: Test, sb: Sandbox, id: string, paths: CertbotPaths, domain: string,
  deploys: number): Promise<string> {
  const leaf = new X509Certificate(await readFile(paths.cert!));
  const keyPem = await readFile(paths.privkey!, 'utf8');
  const puts = sb.requests.filter((r) => r.method === 'PUT');
  t.equal(puts.length, deploys, `${deploys} PUT(s) so far`);
  t.equal(JSON.parse(puts.at(-1)?.body ?? '{}').id, id, `PUT went to id ${id}`);
  const record = sb.records().find((r) => String(r.id) === id);
  t.ok(record, `record ${id} exists`);
  if (!record) return '';
  t.equal(new X509Certificate(record.certificate).fingerprint256, leaf.fingerprint256, 'record holds the leaf certbot wrote');
  t.equal(new X509Certificate(record.chain).fingerprint256, new X509Certificate(await readFile(paths.chain!)).fingerprint256,
    'record holds the chain certbot wrote');
  t.ok(leaf.checkPrivateKey(createPrivateKey(record.key)), 'stored key matches the leaf');
  t.equal(record.key.trim(), keyPem.trim(), 'stored key is the key file certbot wrote');
  t.same(sb.records().find((r) => r.id === DECOY.id)?.certificate, OLD.certificate, 'the decoy record is untouched');
  t.equal(sb.slackMessages.length, deploys, 'one Slack message per deploy');
  const msg = sb.slackMessages.at(-1) as { attachments: Array<{ color: string; fields: Array<{ title: string; value: string }> }> };
  t.equal(msg?.attachments[0]?.color, '#36a64f', 'Slack: success colour');
  t.equal(msg?.attachments[0]?.fields.find((f) => f.title === 'Domain')?.value, domain, 'Slack: the domain');
  t.equal(msg?.attachments[0]?.fields.find((f) => f.title === 'Beluga id')?.value, id, 'Slack: the id');
  return leaf.fingerprint256;
}

/** Fails in CI when certbot, pebble or the build is missing; skips elsewhere. */
function certbotTest(name: string, body: (t: Test) => Promise<void>): void {
  const skip = problem && !process.env.CI ? `missing ${problem} (run .ci/install-e2e-deps.sh)` : false;
  t.test(name, { skip }, async (t) => {
    if (problem || !pebble) return void t.fail(`missing ${problem || 'pebble'}`);
    await body(t);
    if (!t.passing()) t.comment(`pebble log tail:\n${pebble.logs().slice(-3000)}`);
  });
}

certbotTest('certbot certonly --deploy-hook, then renew --force-renewal, deploy to the record holding the domain', async (t) => {
  const domains = ['e2e-certbot.example.com', 'www.e2e-certbot.example.com'];
  const sb = await sandbox(t, '2001', domains);
  const first = await certbotCertonly({ pebble: pebble!, domains, hookCmd: HOOK, env: hookEnv(sb) });
  okRun(t, 'certbot certonly', first);
  const fp = await checkDeployed(t, sb, '2001', first.paths, domains[0]!, 1);
  t.equal(createPrivateKey(sb.records().find((r) => r.id === '2001')!.key).asymmetricKeyDetails?.namedCurve, 'prime256v1',
    'stored key is P-256');
  await noSecrets(t, sb, first);

  // no hookCmd: the hook certonly stored in renewal/NAME.conf runs, with renew's environment
  const renew = await certbotRenew({ pebble: pebble!, dir: first.paths.dir, env: hookEnv(sb) });
  okRun(t, 'certbot renew', renew);
  t.equal(renew.paths.lineage, first.paths.lineage, 'same lineage');
  const renewed = await checkDeployed(t, sb, '2001', renew.paths, domains[0]!, 2);
  t.not(renewed, fp, 'the record now holds the renewed leaf');
  await noSecrets(t, sb, renew);
});

certbotTest('certbot wildcard (manual dns-01) deploys to the record holding *.domain', async (t) => {
  const domains = ['*.e2e-certbot-wild.example.com', 'e2e-certbot-wild.example.com'];
  const sb = await sandbox(t, '2002', domains);
  const res = await certbotCertonly({ pebble: pebble!, domains, hookCmd: HOOK, env: hookEnv(sb) });
  okRun(t, 'certbot wildcard certonly', res);
  // certbot 2.1.0 leaves CERTBOT_DOMAIN etc. from the manual auth hook set for the deploy hook: ignored
  await checkDeployed(t, sb, '2002', res.paths, domains[0]!, 1);
});

certbotTest('certbot with the sandbox failing: certbot still exits 0, Slack is told, the record is unchanged', async (t) => {
  const domain = 'e2e-certbot-fail.example.com';
  const sb = await sandbox(t, '2003', [domain]);
  sb.fault({ target: 'api', method: 'PUT', status: 500, times: 10 });
  const res = await certbotCertonly({ pebble: pebble!, domains: [domain], hookCmd: HOOK, env: hookEnv(sb) });
  t.comment(`certbot certonly, PUT answers 500: exit ${res.exitCode} in ${res.durationMs} ms`);
  // certbot logs a failed deploy hook and exits 0 (reference/acme-clients.md, certbot #8528)
  t.equal(res.exitCode, 0, 'certbot exits 0 all the same', { output: output(res).slice(-4000) });
  t.match(output(res), /Hook 'deploy-hook' reported error code 32/, 'certbot reports the hook\'s exit code');
  const lines = output(res).split('\n').filter((l) => l.includes('beluga-cert: '));
  t.ok(lines.some((l) => /beluga-cert: REMOTE_UNAVAILABLE: beluga: update certificate id=2003: HTTP 500/.test(l)),
    "certbot shows the hook's one-line error", { lines });
  t.equal(sb.records().find((r) => r.id === '2003')?.certificate, OLD.certificate, 'the record still holds the old certificate');
  t.equal(sb.slackMessages.length, 1, 'one Slack message');
  const msg = sb.slackMessages[0] as { text: string; attachments: Array<{ color: string }> };
  t.equal(msg?.attachments[0]?.color, 'danger', 'Slack: failure colour');
  t.match(msg?.text, /e2e-certbot-fail\.example\.com.*REMOTE_UNAVAILABLE/, 'Slack: domain and code');
  await noSecrets(t, sb, res);
});
