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
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/errors.js';
import type { Sandbox } from './helpers/sandbox.js';
import { legoRenew, legoRun, runCommand, type LegoPaths } from './helpers/acme-clients.js';
import { checkRecord, checkSlackSuccess, createE2eKit, output } from './helpers/e2e-kit.js';
import { CLI, ROOT } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';
import { testPath } from './helpers/test-path.js';

// two lego runs and a few deploys; tap's per-file timeout must not cut the clients' own kill timers short
t.setTimeout(10 * 60_000);

const HOOK = join(ROOT, 'hooks', 'acme.sh', 'beluga.sh');
const kit = await createE2eKit({ client: 'acmesh', commands: ['lego', 'bash', 'sh'], built: 'dist/cli.js' });
const { sandbox, hookEnv, e2eTest } = kit;

/**
 * `SHELL -c '. beluga.sh; beluga_deploy "$@"'` with acme.sh's arguments for lego's files:
 * DOMAIN KEY CERT CA FULLCHAIN (lego's .crt is leaf + issuer, so it is both CERT and FULLCHAIN).
 */
async function acmeDeploy(
  shell: 'bash' | 'sh',
  domain: string,
  files: LegoPaths,
  env: Record<string, string>,
  dir: string,
) {
  // --norc: no ~/.bashrc, whatever bash decides about its stdin
  const flags = shell === 'bash' ? ['--norc', '-c'] : ['-c'];
  return runCommand(
    shell,
    [...flags, '. "$HOOK"; beluga_deploy "$@"', 'acme.sh', domain, files.key, files.cert, files.issuer, files.cert],
    { PATH: testPath(), HOME: dir, HOOK, ...env },
    dir,
  );
}

/** The record holds lego's leaf and key; the decoy is untouched; Slack's last message is a success. */
async function checkDeployed(
  t: Test,
  sb: Sandbox,
  id: string,
  paths: LegoPaths,
  domain: string,
  deploys: number,
): Promise<string> {
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
  checkSlackSuccess(t, sb, deploys, domain);
  return deployed.fingerprint;
}

e2eTest('acme.sh hook sourced by bash, then sh, on lego-issued and lego-renewed files', async (t, pebble) => {
  const dir = await mkdtemp(join(pebble.workRoot, 'acmesh-'));
  const bin = join(dir, 'beluga-cert');
  await writeFile(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
  await chmod(bin, 0o755);
  const domains = ['e2e-acmesh.example.com', 'www.e2e-acmesh.example.com'];
  const sb = await sandbox(t, '2001', domains);
  const env = { ...hookEnv(sb), BELUGA_CERT_BIN: bin };
  // token, webhook URL and key lines only: no PEM-block check on beluga_deploy's output
  const secrets = (r: Awaited<ReturnType<typeof runCommand>>, keyPath: string) =>
    kit.noSecrets(t, sb, output(r), keyPath, 'printed', false);

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
  t.equal(viaSh.exitCode, 0, "beluga_deploy returns 0 under sh (acme.sh's own shell)", { output: output(viaSh) });
  const second = await checkDeployed(t, sb, '2001', renew.paths, domains[0]!, 2);
  t.not(second, first, 'the record now holds the renewed leaf');
  await secrets(viaSh, renew.paths.key);

  // the sandbox failing: beluga_deploy hands beluga-cert's status back to acme.sh
  sb.fault({ target: 'api', method: 'PUT', status: 500, times: 10 });
  // A journal of its own: the one above knows run.paths' certificate is older than what is deployed.
  const failed = await acmeDeploy(
    'bash',
    domains[0]!,
    run.paths,
    { ...env, BELUGA_HOOK_STATE_DIR: tempStateDir(), BELUGA_RETRIES: '2' },
    dir,
  );
  t.equal(failed.exitCode, EXIT.REMOTE_UNAVAILABLE, "beluga_deploy returns beluga-cert's status", {
    output: output(failed),
  });
  t.match(failed.stderr, /beluga-cert: REMOTE_UNAVAILABLE: beluga: update certificate id=2001: HTTP 500/);
  t.match(failed.stderr, /beluga: deploying e2e-acmesh\.example\.com failed \(beluga-cert exit status 32\)/);
  t.equal(
    new X509Certificate(sb.records().find((r) => r.id === '2001')!.certificate).fingerprint256,
    second,
    'the record keeps the last deployed leaf',
  );
  t.equal(sb.slackMessages.length, 3, 'the failure told to Slack too');
  t.equal(
    (sb.slackMessages.at(-1) as { attachments: Array<{ color: string }> })?.attachments[0]?.color,
    'danger',
    'Slack: failure colour',
  );
});
