/**
 * Proves the end-to-end harness: real lego, certbot and dehydrated issue from a local pebble and
 * call a recording hook with the variables/arguments they document, naming files that hold a
 * certificate for the requested names and the key that matches it.
 * In CI (process.env.CI set) a missing binary fails; elsewhere the client's test is skipped.
 */
import t, { type Test } from 'tap';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, writeFile, chmod, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { startPebble, type Pebble } from './helpers/pebble.js';
import {
  missingCommands,
  legoRun,
  legoRenew,
  certbotCertonly,
  certbotRenew,
  dehydratedRun,
  type ClientResult,
} from './helpers/acme-clients.js';

// tap's 120 s per-file default is below the sum of the clients' own bounded kill timers
t.setTimeout(15 * 60_000);

const NEEDS = {
  pebble: ['pebble', 'pebble-challtestsrv', 'openssl'],
  lego: ['lego'],
  certbot: ['certbot'],
  dehydrated: ['dehydrated', 'curl'],
};

async function unavailable(client: keyof typeof NEEDS): Promise<string | undefined> {
  const missing = await missingCommands([...NEEDS.pebble, ...NEEDS[client]]);
  return missing.length ? `${client}: missing ${missing.join(', ')} (run .ci/install-e2e-deps.sh)` : undefined;
}

interface Call {
  args: string[];
  env: Record<string, string>;
}

/** A bash hook that appends its arguments and full environment, NUL-separated, per call. */
async function recorder(dir: string, name: string): Promise<{ path: string; calls(): Promise<Call[]> }> {
  const out = join(dir, `${name}.calls`);
  const path = join(dir, name);
  await writeFile(
    path,
    `#!/bin/bash
# test hook: record this call, then succeed whatever the handler name
{
  printf 'CALL\\0'
  for a in "$@"; do printf 'ARG=%s\\0' "$a"; done
  printf 'ENV\\0'
  env -0
  printf 'END\\0'
} >> '${out}'
exit 0
`,
  );
  await chmod(path, 0o755);
  return {
    path,
    async calls() {
      const fields = (await readFile(out, 'utf8').catch(() => '')).split('\0');
      const calls: Call[] = [];
      let inEnv = false;
      for (const f of fields) {
        if (f === 'CALL') {
          calls.push({ args: [], env: {} });
          inEnv = false;
          continue;
        }
        const call = calls.at(-1);
        if (!call || f === 'END' || f === '') continue;
        if (f === 'ENV') {
          inEnv = true;
          continue;
        }
        if (!inEnv) call.args.push(f.replace(/^ARG=/, ''));
        else call.env[f.slice(0, f.indexOf('='))] = f.slice(f.indexOf('=') + 1);
      }
      return calls;
    },
  };
}

function clientVars(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => /^(LEGO_|RENEWED_)/.test(k)));
}

function okRun(t: Test, what: string, res: ClientResult<unknown>): void {
  t.comment(`${what}: ${res.durationMs} ms`);
  t.equal(res.exitCode, 0, `${what} exits 0`, {
    stdout: res.stdout.slice(-4000),
    stderr: res.stderr.slice(-4000),
    timedOut: res.timedOut,
  });
}

/** The leaf names every domain, and the key file holds its private key; returns the leaf. */
async function checkPair(t: Test, certPath: string, keyPath: string, domains: string[]) {
  const leaf = new X509Certificate(await readFile(certPath));
  const sans = (leaf.subjectAltName ?? '').split(', ');
  for (const d of domains) t.ok(sans.includes(`DNS:${d}`), `SAN has ${d}`, { sans });
  const key = createPrivateKey(await readFile(keyPath));
  t.ok(leaf.checkPrivateKey(key), `key ${keyPath} matches the certificate`);
  return { leaf, key };
}

/** issuer signed the leaf, and pebble's current root signed the issuer. */
async function checkChain(t: Test, pebble: Pebble, leaf: X509Certificate, issuerPath: string) {
  const issuer = new X509Certificate(await readFile(issuerPath));
  const root = new X509Certificate(await pebble.rootCertPem());
  t.ok(leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey), 'leaf signed by the issuer file');
  t.ok(issuer.verify(root.publicKey), "issuer signed by pebble's root");
}

const missingPebble = await unavailable('pebble');
const pebble = missingPebble ? undefined : await startPebble();
t.teardown(() => pebble?.stop());

/** Defines a client's test: fails in CI when a binary is missing, skips elsewhere. */
async function clientTest(
  name: string,
  client: keyof typeof NEEDS,
  body: (t: Test, pebble: Pebble, dir: string) => Promise<void>,
) {
  const missing = await unavailable(client);
  const skip = missing && !process.env.CI ? missing : false;
  t.test(name, { skip }, async (t) => {
    if (missing || !pebble) return void t.fail(missing ?? 'pebble did not start');
    const dir = await mkdtemp(join(pebble.workRoot, 'hooks-'));
    try {
      await body(t, pebble, dir);
    } finally {
      if (t.passing() === false) t.comment(`pebble log tail:\n${pebble.logs().slice(-3000)}`);
    }
  });
}

await clientTest('lego run (ec256) then renew', 'lego', async (t, pebble, dir) => {
  const domains = ['lego.example.com', 'www.lego.example.com'];
  const first = await recorder(dir, 'run-hook');
  const run = await legoRun({ pebble, domains, hookCmd: first.path });
  okRun(t, 'lego run', run);
  const calls = await first.calls();
  t.equal(calls.length, 1, 'run hook ran once');
  t.strictSame(calls[0]?.args, [], 'lego passes no arguments');
  t.match(
    clientVars(calls[0]?.env ?? {}),
    {
      LEGO_ACCOUNT_EMAIL: 'e2e@example.com',
      LEGO_CERT_DOMAIN: domains[0],
      LEGO_CERT_PATH: run.paths.cert,
      LEGO_CERT_KEY_PATH: run.paths.key,
    },
    'LEGO_* variables name the new files',
  );
  const { leaf, key } = await checkPair(t, run.paths.cert, run.paths.key, domains);
  t.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'default key is P-256');
  await checkChain(t, pebble, leaf, run.paths.issuer);

  const second = await recorder(dir, 'renew-hook');
  const renew = await legoRenew({ pebble, domains, hookCmd: second.path, dir: run.paths.dir });
  okRun(t, 'lego renew', renew);
  const renewCalls = await second.calls();
  t.equal(renewCalls.length, 1, 'renew hook ran once');
  t.equal(renewCalls[0]?.env.LEGO_CERT_PATH, run.paths.cert, 'renewal rewrites the same path');
  const renewed = await checkPair(t, renew.paths.cert, renew.paths.key, domains);
  t.not(renewed.leaf.serialNumber, leaf.serialNumber, 'renew wrote a new certificate');
  t.equal((await first.calls()).length, 1, 'the run hook did not run again');
});

await clientTest('lego run --key-type rsa2048', 'lego', async (t, pebble, dir) => {
  const hook = await recorder(dir, 'hook');
  const run = await legoRun({ pebble, domains: ['rsa.example.com'], keyType: 'rsa2048', hookCmd: hook.path });
  okRun(t, 'lego run rsa2048', run);
  t.equal((await hook.calls()).length, 1, 'hook ran once');
  const { key } = await checkPair(t, run.paths.cert, run.paths.key, ['rsa.example.com']);
  t.equal(key.asymmetricKeyType, 'rsa');
  t.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
});

await clientTest('lego wildcard over dns-01', 'lego', async (t, pebble, dir) => {
  const domains = ['*.wild.example.com', 'wild.example.com'];
  const hook = await recorder(dir, 'hook');
  const run = await legoRun({ pebble, domains, hookCmd: hook.path });
  okRun(t, 'lego wildcard run', run);
  const calls = await hook.calls();
  t.equal(calls.length, 1, 'hook ran once');
  t.equal(calls[0]?.env.LEGO_CERT_DOMAIN, '*.wild.example.com', 'LEGO_CERT_DOMAIN keeps the *');
  t.match(run.paths.cert, /\/_\.wild\.example\.com\.crt$/, 'file name has _ for *');
  t.equal(calls[0]?.env.LEGO_CERT_PATH, run.paths.cert);
  await checkPair(t, run.paths.cert, run.paths.key, domains);
});

await clientTest('certbot certonly then renew', 'certbot', async (t, pebble, dir) => {
  const domains = ['certbot.example.com', 'www.certbot.example.com'];
  const deploy = await recorder(dir, 'deploy-hook');
  const dirHook = await recorder(dir, 'directory-hook');
  const first = await certbotCertonly({ pebble, domains, hookCmd: deploy.path, directoryHooks: [dirHook.path] });
  okRun(t, 'certbot certonly', first);
  const calls = await deploy.calls();
  t.equal(calls.length, 1, '--deploy-hook ran once');
  t.strictSame(calls[0]?.args, [], 'certbot passes no arguments');
  t.strictSame(
    clientVars(calls[0]?.env ?? {}),
    {
      RENEWED_LINEAGE: first.paths.lineage,
      RENEWED_DOMAINS: domains.join(' '),
    },
    'RENEWED_* variables',
  );
  // certbot < 5.3 runs renewal-hooks/deploy/ on `renew` only
  t.equal((await dirHook.calls()).length, 0, 'directory hook not run by certonly');
  const { leaf } = await checkPair(t, first.paths.fullchain!, first.paths.privkey!, domains);
  await checkChain(t, pebble, leaf, first.paths.chain!);

  const renew = await certbotRenew({ pebble, dir: first.paths.dir });
  okRun(t, 'certbot renew', renew);
  t.equal((await deploy.calls()).length, 2, 'the stored --deploy-hook ran once more');
  const dirCalls = await dirHook.calls();
  t.equal(dirCalls.length, 1, 'directory hook ran once on renew');
  t.equal(dirCalls[0]?.env.RENEWED_LINEAGE, first.paths.lineage, 'same lineage');
  const renewed = await checkPair(t, renew.paths.cert!, renew.paths.privkey!, domains);
  t.not(renewed.leaf.serialNumber, leaf.serialNumber, 'renew wrote a new certificate');
});

await clientTest('certbot wildcard over manual dns-01', 'certbot', async (t, pebble, dir) => {
  const domains = ['*.cw.example.com', 'cw.example.com'];
  const deploy = await recorder(dir, 'deploy-hook');
  const res = await certbotCertonly({ pebble, domains, hookCmd: deploy.path });
  okRun(t, 'certbot wildcard certonly', res);
  const calls = await deploy.calls();
  t.equal(calls.length, 1, '--deploy-hook ran once');
  t.equal(calls[0]?.env.RENEWED_DOMAINS, '*.cw.example.com cw.example.com', 'RENEWED_DOMAINS keeps the *');
  t.match(res.paths.lineage, /\/live\/cw\.example\.com$/, 'lineage named without the *.');
  // certbot 2.1.0 leaves the manual auth hook's CERTBOT_* variables set for the deploy hook (E2E-NOTES)
  t.comment(
    `CERTBOT_* seen by the deploy hook: ${Object.keys(calls[0]?.env ?? {})
      .filter((k) => k.startsWith('CERTBOT_'))
      .join(',')}`,
  );
  await checkPair(t, res.paths.fullchain!, res.paths.privkey!, domains);
});

/** dehydrated's deploy_cert call: exactly one, arguments naming the files in the cert folder. */
async function checkDeployCert(
  t: Test,
  calls: Call[],
  res: Awaited<ReturnType<typeof dehydratedRun>>,
  domains: string[],
): Promise<X509Certificate> {
  const deploys = calls.filter((c) => c.args[0] === 'deploy_cert');
  t.equal(deploys.length, 1, 'deploy_cert ran once');
  const [, domain, key, cert, fullchain, chain, timestamp] = deploys[0]?.args ?? [];
  t.strictSame(
    [domain, key, cert, fullchain, chain],
    [domains[0], res.paths.privkey, res.paths.cert, res.paths.fullchain, res.paths.chain],
    'deploy_cert arguments',
  );
  t.match(timestamp, /^\d+$/, 'TIMESTAMP is a number');
  t.ok(
    calls.some((c) => !['deploy_cert', 'deploy_challenge', 'clean_challenge'].includes(c.args[0] ?? '')),
    'other handler names reach the hook too, so it must ignore them',
  );
  await checkPair(t, fullchain!, key!, domains);
  return (await checkPair(t, cert!, key!, domains)).leaf;
}

await clientTest('dehydrated -c (http-01)', 'dehydrated', async (t, pebble, dir) => {
  const domains = ['dehydrated.example.com', 'www.dehydrated.example.com'];
  const hook = await recorder(dir, 'hook');
  const res = await dehydratedRun({ pebble, domains, hookPath: hook.path });
  okRun(t, 'dehydrated register + -c', res);
  const first = await checkDeployCert(t, await hook.calls(), res, domains);

  const again = await recorder(dir, 'hook-force');
  const forced = await dehydratedRun({ pebble, domains, hookPath: again.path, dir: res.paths.dir, force: true });
  okRun(t, 'dehydrated -c --force in the same BASEDIR', forced);
  const second = await checkDeployCert(t, await again.calls(), forced, domains);
  t.not(second.serialNumber, first.serialNumber, 'the forced run wrote a new certificate');
});

await clientTest('dehydrated wildcard over dns-01', 'dehydrated', async (t, pebble, dir) => {
  const domains = ['*.dw.example.com', 'dw.example.com'];
  const hook = await recorder(dir, 'hook');
  const res = await dehydratedRun({ pebble, domains, hookPath: hook.path });
  okRun(t, 'dehydrated wildcard', res);
  await checkDeployCert(t, await hook.calls(), res, domains);
});
