/**
 * End to end with the real lego (Debian 4.9.1): it issues from a local pebble and runs
 * hooks/lego as --run-hook / --renew-hook, which must put exactly the leaf and key lego wrote into
 * the Beluga sandbox record that holds the domain, and tell the Slack sink. Also the failure path:
 * the sandbox answers 500, lego exits with the hook's code and shows the hook's one-line error.
 * In CI (process.env.CI set) a missing client fails; elsewhere the tests are skipped.
 */
import t, { type Test } from 'tap';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/errors.js';
import { startSandbox, type Fault, type Sandbox } from '../src/sandbox/index.js';
import { legoRenew, legoRun, missingCommands, type ClientResult } from './helpers/acme-clients.js';
import { startPebble } from './helpers/pebble.js';
import { ROOT, fixtureText } from './helpers/run-cli.js';

// a few lego runs; tap's per-file timeout must not cut the clients' own 120 s kill timers short
t.setTimeout(10 * 60_000);

const HOOK = join(ROOT, 'hooks', 'lego');
const TOKEN = { tokenId: 'e2e-lego-id', tokenSecret: 'e2e-lego-secret-0123456789' };
const OLD = { certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') };
const DECOY = { id: '2999', names: ['decoy.example.com'] };

const missing = await missingCommands(['pebble', 'pebble-challtestsrv', 'openssl', 'lego']);
const notBuilt = existsSync(join(ROOT, 'dist', 'hooks', 'lego.js')) ? [] : ['dist/hooks/lego.js (npm run build)'];
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

/** What the hook needs, handed to lego so that lego hands it on (BELUGA_HOOK_CONFIG=none: no file). */
const hookEnv = (sb: Sandbox) => ({
  BELUGA_BASE_URL: sb.url, BELUGA_TOKEN_ID: TOKEN.tokenId, BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  SLACK_WEBHOOK_URL: sb.slackUrl, BELUGA_HOOK_CONFIG: 'none',
});

const output = (r: ClientResult<unknown>) => r.stdout + r.stderr;

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

/** No token secret, webhook URL or private key text in anything lego printed. */
async function noSecrets(t: Test, sb: Sandbox, r: ClientResult<unknown>, keyPath: string): Promise<void> {
  const keyLines = privateLines(await readFile(keyPath, 'utf8'));
  t.ok(keyLines.length > 0, 'the key has private lines to look for');
  const all = output(r);
  const leaked = [TOKEN.tokenSecret, sb.slackUrl, ...keyLines].filter((s) => all.includes(s));
  t.same(leaked.map((s) => `${s.slice(0, 6)}…`), [], 'no token secret, webhook URL or key line in lego\'s output');
  t.notMatch(all, /PRIVATE KEY/, 'no PEM key block in lego\'s output');
}

/**
 * The last PUT went to `id`; the record holds lego's leaf (first certificate of NAME.crt) and the
 * key in NAME.key; the decoy is untouched; Slack's last message is a success for `domain`.
 * Returns the leaf's fingerprint.
 */
async function checkDeployed(t: Test, sb: Sandbox, id: string, paths: { cert: string; key: string; issuer: string },
  domain: string, deploys: number): Promise<string> {
  const leaf = new X509Certificate(await readFile(paths.cert)); // parses the first PEM block
  const keyPem = await readFile(paths.key, 'utf8');
  const puts = sb.requests.filter((r) => r.method === 'PUT');
  t.equal(puts.length, deploys, `${deploys} PUT(s) so far`);
  t.equal(JSON.parse(puts.at(-1)?.body ?? '{}').id, id, `PUT went to id ${id}`);
  const record = sb.records().find((r) => String(r.id) === id);
  t.ok(record, `record ${id} exists`);
  if (!record) return '';
  t.equal(new X509Certificate(record.certificate).fingerprint256, leaf.fingerprint256, 'record holds the leaf lego wrote');
  // lego 4.9.1 sets no LEGO_ISSUER_CERT_PATH: the chain is the rest of NAME.crt, i.e. NAME.issuer.crt
  t.equal(new X509Certificate(record.chain).fingerprint256, new X509Certificate(await readFile(paths.issuer)).fingerprint256,
    'record holds the issuer as chain');
  t.ok(leaf.checkPrivateKey(createPrivateKey(record.key)), 'stored key matches the leaf');
  t.equal(record.key.trim(), keyPem.trim(), 'stored key is the key file lego wrote');
  t.same(sb.records().find((r) => r.id === DECOY.id)?.certificate, OLD.certificate, 'the decoy record is untouched');
  t.equal(sb.slackMessages.length, deploys, 'one Slack message per deploy');
  const msg = sb.slackMessages.at(-1) as { text: string; attachments: Array<{ color: string; fields: Array<{ title: string; value: string }> }> };
  t.equal(msg?.attachments[0]?.color, '#36a64f', 'Slack: success colour');
  t.equal(msg?.attachments[0]?.fields.find((f) => f.title === 'Domain')?.value, domain, 'Slack: the domain');
  t.equal(msg?.attachments[0]?.fields.find((f) => f.title === 'Beluga id')?.value, id, 'Slack: the id');
  return leaf.fingerprint256;
}

/** Fails in CI when lego, pebble or the build is missing; skips elsewhere. */
function legoTest(name: string, body: (t: Test) => Promise<void>): void {
  const skip = problem && !process.env.CI ? `missing ${problem} (run .ci/install-e2e-deps.sh)` : false;
  t.test(name, { skip }, async (t) => {
    if (problem || !pebble) return void t.fail(`missing ${problem || 'pebble'}`);
    await body(t);
    if (!t.passing()) t.comment(`pebble log tail:\n${pebble.logs().slice(-3000)}`);
  });
}

for (const keyType of ['ec256', 'rsa2048'] as const) {
  legoTest(`lego run then renew (${keyType}) deploy to the record holding the domain`, async (t) => {
    const domains = [`e2e-lego-${keyType}.example.com`, `www.e2e-lego-${keyType}.example.com`];
    const sb = await sandbox(t, '2001', domains);
    const common = { pebble: pebble!, domains, hookCmd: HOOK, env: hookEnv(sb), ...(keyType === 'ec256' ? {} : { keyType }) };
    const run = await legoRun(common);
    okRun(t, `lego run ${keyType}`, run);
    t.match(output(run), /upload: updated Beluga certificate id=2001/, "lego shows the hook's output");
    const first = await checkDeployed(t, sb, '2001', run.paths, domains[0]!, 1);
    const key = createPrivateKey(sb.records().find((r) => r.id === '2001')!.key);
    if (keyType === 'ec256') t.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'stored key is P-256');
    else t.same([key.asymmetricKeyType, key.asymmetricKeyDetails?.modulusLength], ['rsa', 2048], 'stored key is RSA 2048');
    await noSecrets(t, sb, run, run.paths.key);

    const renew = await legoRenew({ ...common, dir: run.paths.dir });
    okRun(t, `lego renew ${keyType}`, renew);
    const second = await checkDeployed(t, sb, '2001', renew.paths, domains[0]!, 2);
    t.not(second, first, 'the record now holds the renewed leaf');
    await noSecrets(t, sb, renew, renew.paths.key);
  });
}

legoTest('lego wildcard run deploys to the record holding *.domain', async (t) => {
  const domains = ['*.e2e-lego-wild.example.com', 'e2e-lego-wild.example.com'];
  const sb = await sandbox(t, '2002', domains);
  const run = await legoRun({ pebble: pebble!, domains, hookCmd: HOOK, env: hookEnv(sb) });
  okRun(t, 'lego wildcard run', run);
  await checkDeployed(t, sb, '2002', run.paths, domains[0]!, 1);
  t.same(sb.records().find((r) => r.id === '2002')?.names, domains, 'record names as the new certificate has them');
});

const FAULTS: Array<[string, Fault]> = [
  ['list answers 500', { target: 'api', status: 500, times: 10 }],
  ['PUT answers 500', { target: 'api', method: 'PUT', status: 500, times: 10 }],
];

for (const [what, fault] of FAULTS) {
  legoTest(`lego run with the sandbox failing (${what}): lego exits with the hook's code`, async (t) => {
    const domain = `e2e-lego-fail-${fault.method ? 'put' : 'list'}.example.com`;
    const sb = await sandbox(t, '2003', [domain]);
    sb.fault(fault);
    const run = await legoRun({ pebble: pebble!, domains: [domain], hookCmd: HOOK, env: hookEnv(sb) });
    t.comment(`lego run, ${what}: exit ${run.exitCode} in ${run.durationMs} ms`);
    // lego 4.9.1 exits with its hook's exit code (E2E-NOTES): REMOTE_UNAVAILABLE's
    t.equal(run.exitCode, EXIT.REMOTE_UNAVAILABLE, 'lego exits with the hook\'s code', { output: output(run).slice(-4000) });
    const lines = output(run).split('\n').filter((l) => l.includes('beluga-cert: '));
    t.equal(lines.length, 1, "one line of the hook's error in lego's output", { lines });
    t.comment(lines[0]);
    t.match(run.stderr, /exit status 32\s*$/, 'lego reports the status after the hook\'s output');
    t.match(lines[0], /beluga-cert: REMOTE_UNAVAILABLE: beluga: (list certificates|update certificate id=2003): HTTP 500/);
    t.equal(sb.records().find((r) => r.id === '2003')?.certificate, OLD.certificate, 'the record still holds the old certificate');
    t.ok(existsSync(run.paths.cert), 'lego wrote the certificate anyway (it will not retry the hook)');
    t.equal(sb.slackMessages.length, 1, 'one Slack message');
    const msg = sb.slackMessages[0] as { text: string; attachments: Array<{ color: string }> };
    t.equal(msg?.attachments[0]?.color, 'danger', 'Slack: failure colour');
    t.match(msg?.text, new RegExp(`${domain.replace(/\./g, '\\.')}.*REMOTE_UNAVAILABLE`), 'Slack: domain and code');
    await noSecrets(t, sb, run, run.paths.key);
  });
}
