/**
 * End to end for the acme.sh hook on files a real client wrote. acme.sh itself is not packaged
 * for Debian, so lego (4.9.1) issues from a local pebble and the test does what acme.sh's
 * `--deploy` does: source hooks/acme.sh/beluga.sh with a shell and call
 * `beluga_deploy DOMAIN KEY CERT CA FULLCHAIN` on lego's files (its SEC1 EC key is what acme.sh
 * writes too). beluga-cert is the built CLI behind BELUGA_CERT_BIN. The sandbox must then hold
 * exactly lego's leaf and key under the record holding the domain, and Slack must be told.
 * In CI (process.env.CI set) a missing client fails; elsewhere the test is skipped.
 */
import t, { type Test } from 'tap';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/errors.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { legoRenew, legoRun, missingCommands, runCommand, type ClientResult, type LegoPaths } from './helpers/acme-clients.js';
import { startPebble } from './helpers/pebble.js';
import { CLI, ROOT, fixtureText } from './helpers/run-cli.js';

// two lego runs and a few deploys; tap's per-file timeout must not cut the clients' own kill timers short
t.setTimeout(10 * 60_000);

const HOOK = join(ROOT, 'hooks', 'acme.sh', 'beluga.sh');
const TOKEN = { tokenId: 'e2e-acmesh-id', tokenSecret: 'e2e-acmesh-secret-0123456789' };
const OLD = { certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') };
const DECOY = { id: '2999', names: ['decoy.example.com'] };

const missing = await missingCommands(['pebble', 'pebble-challtestsrv', 'openssl', 'lego', 'bash', 'sh']);
const notBuilt = existsSync(CLI) ? [] : ['dist/cli.js (npm run build)'];
const problem = [...missing, ...notBuilt].join(', ');
const pebble = problem ? undefined : await startPebble();
t.teardown(() => pebble?.stop());

/** The settings beluga-cert reads from the environment (BELUGA_HOOK_CONFIG=none: no file). */
const hookEnv = (sb: Sandbox) => ({
  BELUGA_BASE_URL: sb.url, BELUGA_TOKEN_ID: TOKEN.tokenId, BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  SLACK_WEBHOOK_URL: sb.slackUrl, BELUGA_HOOK_CONFIG: 'none',
});

const output = (r: ClientResult<unknown> | Awaited<ReturnType<typeof runCommand>>) => r.stdout + r.stderr;

/**
 * `SHELL -c '. beluga.sh; beluga_deploy "$@"'` with acme.sh's arguments for lego's files:
 * DOMAIN KEY CERT CA FULLCHAIN (lego's .crt is leaf + issuer, so it is both CERT and FULLCHAIN).
 */
async function acmeDeploy(shell: 'bash' | 'sh', domain: string, files: LegoPaths, env: Record<string, string>, dir: string) {
  // --norc: no ~/.bashrc, whatever bash decides about its stdin
  const flags = shell === 'bash' ? ['--norc', '-c'] : ['-c'];
  return runCommand(shell, [...flags, '. "$HOOK"; beluga_deploy "$@"', 'acme.sh', domain, files.key, files.cert,
    files.issuer, files.cert], { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, HOOK, ...env }, dir);
}

/** The record holds lego's leaf and key; the decoy is untouched; Slack's last message is a success. */
async function checkDeployed(t: Test, sb: Sandbox, id: string, paths: LegoPaths, domain: string, deploys: number): Promise<string> {
  const leaf = new X509Certificate(await readFile(paths.cert)); // the first PEM block
  const puts = sb.requests.filter((r) => r.method === 'PUT');
  t.equal(puts.length, deploys, `${deploys} PUT(s) so far`);
  t.equal(JSON.parse(puts.at(-1)?.body ?? '{}').id, id, `PUT went to id ${id}`);
  const record = sb.records().find((r) => String(r.id) === id);
  t.ok(record, `record ${id} exists`);
  if (!record) return '';
  t.equal(new X509Certificate(record.certificate).fingerprint256, leaf.fingerprint256, 'record holds the leaf lego wrote');
  t.equal(new X509Certificate(record.chain).fingerprint256, new X509Certificate(await readFile(paths.issuer)).fingerprint256,
    'record holds the issuer as chain');
  t.ok(leaf.checkPrivateKey(createPrivateKey(record.key)), 'stored key matches the leaf');
  t.equal(record.key.trim(), (await readFile(paths.key, 'utf8')).trim(), 'stored key is the key file lego wrote');
  t.same(sb.records().find((r) => r.id === DECOY.id)?.certificate, OLD.certificate, 'the decoy record is untouched');
  t.equal(sb.slackMessages.length, deploys, 'one Slack message per deploy');
  const msg = sb.slackMessages.at(-1) as { attachments: Array<{ color: string; fields: Array<{ title: string; value: string }> }> };
  t.equal(msg?.attachments[0]?.color, '#36a64f', 'Slack: success colour');
  t.equal(msg?.attachments[0]?.fields.find((f) => f.title === 'Domain')?.value, domain, 'Slack: the domain');
  return leaf.fingerprint256;
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

const skip = problem && !process.env.CI ? `missing ${problem} (run .ci/install-e2e-deps.sh)` : false;

t.test('acme.sh hook sourced by bash, then sh, on lego-issued and lego-renewed files', { skip }, async (t) => {
  if (problem || !pebble) return void t.fail(`missing ${problem || 'pebble'}`);
  const dir = await mkdtemp(join(pebble.workRoot, 'acmesh-'));
  const bin = join(dir, 'beluga-cert');
  await writeFile(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
  await chmod(bin, 0o755);
  const domains = ['e2e-acmesh.example.com', 'www.e2e-acmesh.example.com'];
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [{ id: '2001', site: 'e2e', names: domains, ...OLD }, { ...DECOY, site: 'e2e', ...OLD }],
  });
  t.teardown(() => sb.close());
  const env = { ...hookEnv(sb), BELUGA_CERT_BIN: bin };
  const secrets = async (r: Awaited<ReturnType<typeof runCommand>>, keyPath: string) => {
    const keyLines = privateLines(await readFile(keyPath, 'utf8'));
    t.ok(keyLines.length > 0, 'the key has private lines to look for');
    const leaked = [TOKEN.tokenSecret, sb.slackUrl, ...keyLines].filter((s) => output(r).includes(s));
    t.same(leaked.map((s) => `${s.slice(0, 6)}…`), [], 'no token secret, webhook URL or key line printed');
  };

  // lego only writes the files here: its hook is a no-op, the deploy is acme.sh's
  const run = await legoRun({ pebble, domains, hookCmd: '/bin/true' });
  t.equal(run.exitCode, 0, 'lego run exits 0', { output: output(run).slice(-4000) });
  const viaBash = await acmeDeploy('bash', domains[0]!, run.paths, env, dir);
  t.comment(`bash beluga_deploy: exit ${viaBash.exitCode} in ${viaBash.durationMs} ms`);
  t.equal(viaBash.exitCode, 0, 'beluga_deploy returns 0 under bash', { output: output(viaBash) });
  t.match(viaBash.stdout, new RegExp(`beluga: ${domains[0]!.replace(/\./g, '\\.')} deployed\\n$`), 'the hook says so');
  const first = await checkDeployed(t, sb, '2001', run.paths, domains[0]!, 1);
  await secrets(viaBash, run.paths.key);

  const renew = await legoRenew({ pebble, domains, hookCmd: '/bin/true', dir: run.paths.dir });
  t.equal(renew.exitCode, 0, 'lego renew exits 0', { output: output(renew).slice(-4000) });
  const viaSh = await acmeDeploy('sh', domains[0]!, renew.paths, env, dir);
  t.comment(`sh beluga_deploy: exit ${viaSh.exitCode} in ${viaSh.durationMs} ms`);
  t.equal(viaSh.exitCode, 0, 'beluga_deploy returns 0 under sh (acme.sh\'s own shell)', { output: output(viaSh) });
  const second = await checkDeployed(t, sb, '2001', renew.paths, domains[0]!, 2);
  t.not(second, first, 'the record now holds the renewed leaf');
  await secrets(viaSh, renew.paths.key);

  // the sandbox failing: beluga_deploy hands beluga-cert's status back to acme.sh
  sb.fault({ target: 'api', method: 'PUT', status: 500, times: 10 });
  const failed = await acmeDeploy('bash', domains[0]!, run.paths, env, dir);
  t.equal(failed.exitCode, EXIT.REMOTE_UNAVAILABLE, 'beluga_deploy returns beluga-cert\'s status', { output: output(failed) });
  t.match(failed.stderr, /beluga-cert: REMOTE_UNAVAILABLE: beluga: update certificate id=2001: HTTP 500/);
  t.match(failed.stderr, /beluga: deploying e2e-acmesh\.example\.com failed \(beluga-cert exit status 32\)/);
  t.equal(new X509Certificate(sb.records().find((r) => r.id === '2001')!.certificate).fingerprint256, second,
    'the record keeps the last deployed leaf');
  t.equal(sb.slackMessages.length, 3, 'the failure told to Slack too');
  t.equal((sb.slackMessages.at(-1) as { attachments: Array<{ color: string }> })?.attachments[0]?.color, 'danger',
    'Slack: failure colour');
  if (!t.passing()) t.comment(`pebble log tail:\n${pebble.logs().slice(-3000)}`);
});
