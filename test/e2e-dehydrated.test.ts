/**
 * End to end with the real dehydrated (Debian 0.7.0): `-c` with hooks/dehydrated as HOOK. Of all
 * the handlers dehydrated calls, only deploy_cert may deploy: it must put exactly the leaf, chain
 * and key dehydrated wrote into the Beluga sandbox record that holds the domain and tell the Slack
 * sink; the others (and `unchanged_cert` on a run that is not due) must do nothing, silently.
 * In CI (process.env.CI set) a missing client fails; elsewhere the tests are skipped.
 */
import t, { type Test } from 'tap';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StatusRow } from '../src/commands/status.js';
import type { Sandbox } from './helpers/sandbox.js';
import { dehydratedRun, type ClientResult, type DehydratedPaths } from './helpers/acme-clients.js';
import { checkFailure, checkRecord, checkSlackSuccess, createE2eKit, okRun, output } from './helpers/e2e-kit.js';
import { ROOT, runCli } from './helpers/run-cli.js';

// dehydrated polls with sleep 1/2: each run takes several seconds; the clients' own kill timers bound them
t.setTimeout(10 * 60_000);

const HOOK = join(ROOT, 'hooks', 'dehydrated');
const EC_KEY_BLOCK = /-----BEGIN EC PRIVATE KEY-----[\s\S]+?-----END EC PRIVATE KEY-----/;
const kit = await createE2eKit({
  client: 'dehydrated',
  commands: ['dehydrated', 'curl'],
  built: 'dist/hooks/dehydrated.js',
});
const { sandbox, hookEnv, e2eTest } = kit;

const hookLines = (r: ClientResult<unknown>) =>
  output(r)
    .split('\n')
    .filter((l) => /^(read|check|resolve|upload|notify|beluga-cert): /.test(l));

/** No token secret, webhook URL or private key text in anything dehydrated printed. */
const noSecrets = (t: Test, sb: Sandbox, r: ClientResult<DehydratedPaths>) =>
  kit.noSecrets(t, sb, output(r), r.paths.privkey, "in dehydrated's output");

/**
 * The last PUT went to `id`; the record holds dehydrated's cert.pem, chain.pem and the key of
 * privkey.pem; the decoy is untouched; Slack's last message is a success for `domain`. Returns
 * the leaf's fingerprint.
 */
async function checkDeployed(
  t: Test,
  sb: Sandbox,
  id: string,
  paths: DehydratedPaths,
  domain: string,
  deploys: number,
): Promise<string> {
  const deployed = await checkRecord(t, sb, { id, deploys, cert: paths.cert, chain: paths.chain }, 'dehydrated');
  if (!deployed) return '';
  const keyPem = await readFile(paths.privkey, 'utf8');
  const der = (k: ReturnType<typeof createPrivateKey>) => k.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  t.equal(
    der(createPrivateKey(deployed.record.key)),
    der(createPrivateKey(keyPem)),
    'stored key is the key in the file dehydrated wrote',
  );
  // privkey.pem starts with an EC PARAMETERS block (E2E-NOTES): the upload carries only the key block
  t.equal(
    deployed.record.key.trim(),
    keyPem.match(EC_KEY_BLOCK)?.[0],
    "stored key is privkey.pem's EC PRIVATE KEY block",
  );
  checkSlackSuccess(t, sb, deploys, domain, id, 'one Slack message per deploy, none for the other handlers');
  return deployed.fingerprint;
}

e2eTest('dehydrated -c with HOOK: deploy_cert deploys; not due: nothing; --force: the new leaf', async (t, pebble) => {
  const domains = ['e2e-dehydrated.example.com', 'www.e2e-dehydrated.example.com'];
  const sb = await sandbox(t, '2001', domains);
  const common = { pebble, domains, hookPath: HOOK, env: hookEnv(sb) };
  const first = await dehydratedRun(common);
  okRun(t, 'dehydrated register + -c', first);
  // every other handler (startup_hook, deploy_challenge, ..., exit_hook) exits 0 and prints nothing
  t.strictSame(
    hookLines(first).map((l) => l.split(':')[0]),
    ['read', 'check', 'resolve', 'upload', 'notify'],
    "one deploy's lines in dehydrated's output",
    { lines: hookLines(first) },
  );
  const fp = await checkDeployed(t, sb, '2001', first.paths, domains[0]!, 1);
  t.equal(
    createPrivateKey(sb.records().find((r) => r.id === '2001')!.key).asymmetricKeyDetails?.namedCurve,
    'secp384r1',
    "stored key is dehydrated's default P-384",
  );
  await noSecrets(t, sb, first);
  // The same BASEDIR as a store: status reads what dehydrated's links point at, and finds it deployed.
  const status = await runCli(['status', '--json', '--dehydrated-dir', first.paths.dir], hookEnv(sb));
  t.equal(status.code, 0, status.stderr);
  t.same(
    (JSON.parse(status.stdout) as StatusRow[]).map((r) => [r.label, r.domain, r.fingerprint256, r.record, r.deployed]),
    [[`dehydrated:${domains[0]}`, domains[0], fp, '2001', 'yes']],
    'status --dehydrated-dir: the deployed certificate, on its record',
  );

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

e2eTest(
  'dehydrated with the sandbox failing: dehydrated exits 1, Slack is told, the record is unchanged',
  async (t, pebble) => {
    const domain = 'e2e-dehydrated-fail.example.com';
    const sb = await sandbox(t, '2003', [domain]);
    sb.fault({ target: 'api', method: 'PUT', status: 500, times: 10 });
    const res = await dehydratedRun({ pebble, domains: [domain], hookPath: HOOK, env: hookEnv(sb) });
    t.comment(`dehydrated -c, PUT answers 500: exit ${res.exitCode} in ${res.durationMs} ms`);
    // dehydrated aborts with 1 on a failed deploy_cert, whatever the hook's own code (E2E-NOTES)
    t.equal(res.exitCode, 1, 'dehydrated exits 1', { output: output(res).slice(-4000) });
    const errors = output(res)
      .split('\n')
      .filter((l) => l.includes('beluga-cert: '));
    t.equal(errors.length, 1, "one line of the hook's error in dehydrated's output", { errors });
    t.match(errors[0], /beluga-cert: REMOTE_UNAVAILABLE: beluga: update certificate id=2003: HTTP 500/);
    checkFailure(t, sb, '2003', domain);
    await noSecrets(t, sb, res);
  },
);
