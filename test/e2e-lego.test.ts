/**
 * End to end with the real lego (Debian 4.9.1): it issues from a local pebble and runs
 * hooks/lego as --run-hook / --renew-hook, which must put exactly the leaf and key lego wrote into
 * the Beluga sandbox record that holds the domain, and tell the Slack sink. Also the failure path:
 * the sandbox answers 500, lego exits with the hook's code and shows the hook's one-line error.
 * In CI (process.env.CI set) a missing client fails; elsewhere the tests are skipped.
 */
import t, { type Test } from 'tap';
import { createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/errors.js';
import type { Fault, Sandbox } from './helpers/sandbox.js';
import { legoRenew, legoRun, type ClientResult, type LegoPaths } from './helpers/acme-clients.js';
import { checkFailure, checkRecord, checkSlackSuccess, createE2eKit, okRun, output } from './helpers/e2e-kit.js';
import { ROOT } from './helpers/run-cli.js';

// a few lego runs; tap's per-file timeout must not cut the clients' own 120 s kill timers short
t.setTimeout(10 * 60_000);

const HOOK = join(ROOT, 'hooks', 'lego');
const kit = await createE2eKit({ client: 'lego', commands: ['lego'], built: 'dist/hooks/lego.js' });
const { sandbox, hookEnv, e2eTest } = kit;

/** No token secret, webhook URL or private key text in anything lego printed. */
const noSecrets = (t: Test, sb: Sandbox, r: ClientResult<LegoPaths>) =>
  kit.noSecrets(t, sb, output(r), r.paths.key, "in lego's output");

/**
 * The last PUT went to `id`; the record holds lego's leaf (first certificate of NAME.crt) and the
 * key in NAME.key; the decoy is untouched; Slack's last message is a success for `domain`.
 * Returns the leaf's fingerprint.
 */
async function checkDeployed(
  t: Test,
  sb: Sandbox,
  id: string,
  paths: LegoPaths,
  domain: string,
  deploys: number,
): Promise<string> {
  // lego 4.9.1 sets no LEGO_ISSUER_CERT_PATH: the chain is the rest of NAME.crt, i.e. NAME.issuer.crt
  const deployed = await checkRecord(
    t,
    sb,
    { id, deploys, cert: paths.cert, chain: paths.issuer },
    'lego',
    'the issuer as chain',
  );
  if (!deployed) return '';
  t.equal(
    deployed.record.key.trim(),
    (await readFile(paths.key, 'utf8')).trim(),
    'stored key is the key file lego wrote',
  );
  checkSlackSuccess(t, sb, deploys, domain, id);
  return deployed.fingerprint;
}

for (const keyType of ['ec256', 'rsa2048'] as const) {
  e2eTest(`lego run then renew (${keyType}) deploy to the record holding the domain`, async (t, pebble) => {
    const domains = [`e2e-lego-${keyType}.example.com`, `www.e2e-lego-${keyType}.example.com`];
    const sb = await sandbox(t, '2001', domains);
    const common = { pebble, domains, hookCmd: HOOK, env: hookEnv(sb), ...(keyType === 'ec256' ? {} : { keyType }) };
    const run = await legoRun(common);
    okRun(t, `lego run ${keyType}`, run);
    t.match(output(run), /upload: updated Beluga certificate id=2001/, "lego shows the hook's output");
    const first = await checkDeployed(t, sb, '2001', run.paths, domains[0]!, 1);
    const key = createPrivateKey(sb.records().find((r) => r.id === '2001')!.key);
    if (keyType === 'ec256') t.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'stored key is P-256');
    else
      t.same([key.asymmetricKeyType, key.asymmetricKeyDetails?.modulusLength], ['rsa', 2048], 'stored key is RSA 2048');
    await noSecrets(t, sb, run);

    const renew = await legoRenew({ ...common, dir: run.paths.dir });
    okRun(t, `lego renew ${keyType}`, renew);
    const second = await checkDeployed(t, sb, '2001', renew.paths, domains[0]!, 2);
    t.not(second, first, 'the record now holds the renewed leaf');
    await noSecrets(t, sb, renew);
  });
}

e2eTest('lego wildcard run deploys to the record holding *.domain', async (t, pebble) => {
  const domains = ['*.e2e-lego-wild.example.com', 'e2e-lego-wild.example.com'];
  const sb = await sandbox(t, '2002', domains);
  const run = await legoRun({ pebble, domains, hookCmd: HOOK, env: hookEnv(sb) });
  okRun(t, 'lego wildcard run', run);
  await checkDeployed(t, sb, '2002', run.paths, domains[0]!, 1);
  t.same(sb.records().find((r) => r.id === '2002')?.names, domains, 'record names as the new certificate has them');
});

const FAULTS: Array<[string, Fault]> = [
  ['list answers 500', { target: 'api', status: 500, times: 10 }],
  ['PUT answers 500', { target: 'api', method: 'PUT', status: 500, times: 10 }],
];

for (const [what, fault] of FAULTS) {
  e2eTest(`lego run with the sandbox failing (${what}): lego exits with the hook's code`, async (t, pebble) => {
    const domain = `e2e-lego-fail-${fault.method ? 'put' : 'list'}.example.com`;
    const sb = await sandbox(t, '2003', [domain]);
    sb.fault(fault);
    const run = await legoRun({ pebble, domains: [domain], hookCmd: HOOK, env: hookEnv(sb) });
    t.comment(`lego run, ${what}: exit ${run.exitCode} in ${run.durationMs} ms`);
    // lego 4.9.1 exits with its hook's exit code (E2E-NOTES): REMOTE_UNAVAILABLE's
    t.equal(run.exitCode, EXIT.REMOTE_UNAVAILABLE, "lego exits with the hook's code", {
      output: output(run).slice(-4000),
    });
    const lines = output(run)
      .split('\n')
      .filter((l) => l.includes('beluga-cert: '));
    t.equal(lines.length, 1, "one line of the hook's error in lego's output", { lines });
    t.comment(lines[0]);
    t.match(run.stderr, /exit status 32\s*$/, "lego reports the status after the hook's output");
    t.match(
      lines[0],
      /beluga-cert: REMOTE_UNAVAILABLE: beluga: (list certificates|update certificate id=2003): HTTP 500/,
    );
    t.ok(existsSync(run.paths.cert), 'lego wrote the certificate anyway (it will not retry the hook)');
    checkFailure(t, sb, '2003', domain);
    await noSecrets(t, sb, run);
  });
}
