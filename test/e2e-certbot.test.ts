/**
 * End to end with the real certbot (Debian 2.1.0): it issues from a local pebble and runs
 * hooks/certbot as --deploy-hook (certonly, then the stored hook on renew --force-renewal), which
 * must put exactly the leaf, chain and key of the lineage into the Beluga sandbox record that
 * holds the domain, and tell the Slack sink. certbot ignores a failing hook (exits 0), so on the
 * failure path Slack is the only one told.
 * In CI (process.env.CI set) a missing client fails; elsewhere the tests are skipped.
 */
import t, { type Test } from 'tap';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from './helpers/sandbox.js';
import { certbotCertonly, certbotRenew, type CertbotPaths, type ClientResult } from './helpers/acme-clients.js';
import {
  checkFailure,
  checkRecord,
  checkSlackSuccess,
  createE2eKit,
  okRun as okExit,
  output,
} from './helpers/e2e-kit.js';
import { ROOT } from './helpers/run-cli.js';

// a few certbot runs; tap's per-file timeout must not cut the clients' own 120 s kill timers short
t.setTimeout(10 * 60_000);

const HOOK = join(ROOT, 'hooks', 'certbot');
const kit = await createE2eKit({ client: 'certbot', commands: ['certbot'], built: 'dist/hooks/certbot.js' });
const { sandbox, hookEnv, e2eTest } = kit;

function okRun(t: Test, what: string, r: ClientResult<CertbotPaths>): void {
  okExit(t, what, r);
  t.ok(r.paths.lineage, `${what} wrote one lineage`);
}

/** certbot's own log: hook output and errors land there, not on the terminal only. */
const certbotLog = (r: ClientResult<CertbotPaths>) =>
  readFile(join(r.paths.dir, 'logs', 'letsencrypt.log'), 'utf8').catch(() => '');

/** No token secret, webhook URL or private key text in certbot's output or log. */
const noSecrets = async (t: Test, sb: Sandbox, r: ClientResult<CertbotPaths>) =>
  kit.noSecrets(t, sb, output(r) + (await certbotLog(r)), r.paths.privkey!, "in certbot's output or log");

/**
 * The last PUT went to `id`; the record holds the lineage's cert.pem, chain.pem and privkey.pem;
 * the decoy is untouched; Slack's last message is a success for `domain`. Returns the leaf's
 * fingerprint.
 */
async function checkDeployed(
  t: Test,
  sb: Sandbox,
  id: string,
  paths: CertbotPaths,
  domain: string,
  deploys: number,
): Promise<string> {
  const deployed = await checkRecord(t, sb, { id, deploys, cert: paths.cert!, chain: paths.chain! }, 'certbot');
  if (!deployed) return '';
  t.equal(
    deployed.record.key.trim(),
    (await readFile(paths.privkey!, 'utf8')).trim(),
    'stored key is the key file certbot wrote',
  );
  checkSlackSuccess(t, sb, deploys, domain, id);
  return deployed.fingerprint;
}

e2eTest(
  'certbot certonly --deploy-hook, then renew --force-renewal, deploy to the record holding the domain',
  async (t, pebble) => {
    const domains = ['e2e-certbot.example.com', 'www.e2e-certbot.example.com'];
    const sb = await sandbox(t, '2001', domains);
    const first = await certbotCertonly({ pebble, domains, hookCmd: HOOK, env: hookEnv(sb) });
    okRun(t, 'certbot certonly', first);
    const fp = await checkDeployed(t, sb, '2001', first.paths, domains[0]!, 1);
    t.equal(
      createPrivateKey(sb.records().find((r) => r.id === '2001')!.key).asymmetricKeyDetails?.namedCurve,
      'prime256v1',
      'stored key is P-256',
    );
    await noSecrets(t, sb, first);

    // no hookCmd: the hook certonly stored in renewal/NAME.conf runs, with renew's environment
    const renew = await certbotRenew({ pebble, dir: first.paths.dir, env: hookEnv(sb) });
    okRun(t, 'certbot renew', renew);
    t.equal(renew.paths.lineage, first.paths.lineage, 'same lineage');
    const renewed = await checkDeployed(t, sb, '2001', renew.paths, domains[0]!, 2);
    t.not(renewed, fp, 'the record now holds the renewed leaf');
    await noSecrets(t, sb, renew);
  },
);

e2eTest('certbot wildcard (manual dns-01) deploys to the record holding *.domain', async (t, pebble) => {
  const domains = ['*.e2e-certbot-wild.example.com', 'e2e-certbot-wild.example.com'];
  const sb = await sandbox(t, '2002', domains);
  const res = await certbotCertonly({ pebble, domains, hookCmd: HOOK, env: hookEnv(sb) });
  okRun(t, 'certbot wildcard certonly', res);
  // certbot 2.1.0 leaves CERTBOT_DOMAIN etc. from the manual auth hook set for the deploy hook: ignored
  await checkDeployed(t, sb, '2002', res.paths, domains[0]!, 1);
});

e2eTest(
  'certbot with the sandbox failing: certbot still exits 0, Slack is told, the record is unchanged',
  async (t, pebble) => {
    const domain = 'e2e-certbot-fail.example.com';
    const sb = await sandbox(t, '2003', [domain]);
    sb.fault({ target: 'api', method: 'PUT', status: 500, times: 10 });
    const res = await certbotCertonly({ pebble, domains: [domain], hookCmd: HOOK, env: hookEnv(sb) });
    t.comment(`certbot certonly, PUT answers 500: exit ${res.exitCode} in ${res.durationMs} ms`);
    // certbot logs a failed deploy hook and exits 0 (reference/acme-clients.md, certbot #8528)
    t.equal(res.exitCode, 0, 'certbot exits 0 all the same', { output: output(res).slice(-4000) });
    t.match(output(res), /Hook 'deploy-hook' reported error code 32/, "certbot reports the hook's exit code");
    const lines = output(res)
      .split('\n')
      .filter((l) => l.includes('beluga-cert: '));
    t.ok(
      lines.some((l) => /beluga-cert: REMOTE_UNAVAILABLE: beluga: update certificate id=2003: HTTP 500/.test(l)),
      "certbot shows the hook's one-line error",
      { lines },
    );
    checkFailure(t, sb, '2003', domain);
    await noSecrets(t, sb, res);
  },
);
