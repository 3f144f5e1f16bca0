/**
 * A seeded soak: 200 deploys of successive certificates for four records against a sandbox that
 * fails about a third of requests at random (seeded), then `retry` until nothing is pending. At
 * the end each record holds its newest certificate, nothing older ever replaced a newer one, and
 * no secret is in any output, journal file, or argument list.
 */
import t from 'tap';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { deployCommand, type DeployArgs } from '../src/commands/deploy.js';
import { retryCommand } from '../src/commands/retry.js';
import { nodeFetchClient } from '../src/http.js';
import { startSandbox } from './helpers/sandbox.js';
import { tempStateDir } from './helpers/state-dir.js';

const DOMAINS = ['a.soak.test', 'b.soak.test', 'c.soak.test', 'd.soak.test'];
const RENEWALS = 50; // × 4 domains = 200 deploys
const TOKEN = { tokenId: 'soak-id', tokenSecret: 'soak-secret-0123456789abcdef' };
const DAY = 86_400_000;
const BASE = Date.UTC(2025, 0, 1);

/** One RSA key per domain (lego --reuse-key), and certificate `i` valid from BASE + i days. */
function makeIssuer(domain: string) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  return {
    keyPem,
    cert(i: number): string {
      const c = forge.pki.createCertificate();
      c.publicKey = publicKey;
      c.serialNumber = (0x1000 + i).toString(16);
      c.validity.notBefore = new Date(BASE + i * DAY);
      c.validity.notAfter = new Date(BASE + i * DAY + 3650 * DAY);
      c.setSubject([{ name: 'commonName', value: domain }]);
      c.setIssuer([{ name: 'commonName', value: `Soak CA for ${domain}` }]);
      c.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: domain }] }]);
      c.sign(key, forge.md.sha256.create());
      return forge.pki.certificateToPem(c);
    },
  };
}

t.test('200 deploys through seeded failures, then retry until nothing is pending', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bch-soak-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const issuers = DOMAINS.map(makeIssuer);
  const first = issuers.map((iss) => iss.cert(0));
  const sb = await startSandbox({
    credentials: TOKEN,
    records: DOMAINS.map((_d, i) => ({
      id: String(3000 + i),
      site: `site-${i}`,
      certificate: first[i]!,
      key: issuers[i]!.keyPem,
    })),
    chaos: { rate: 0.33, seed: 20261127, delayMs: 200 },
  });
  t.teardown(() => sb.close());

  const printed: string[] = [];
  const sink = {
    write: (s: string) => {
      printed.push(s);
      return true;
    },
  };
  const state = tempStateDir();
  const ctx = {
    env: {
      BELUGA_HOOK_CONFIG: 'none',
      BELUGA_HOOK_STATE_DIR: state,
      BELUGA_BASE_URL: sb.url,
      BELUGA_TOKEN_ID: TOKEN.tokenId,
      BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
      SLACK_WEBHOOK_URL: sb.slackUrl,
      BELUGA_RETRIES: '3',
      BELUGA_TIMEOUT: '2',
      BELUGA_RUN_BUDGET: '20',
    },
    stdout: sink,
    stderr: sink,
    http: nodeFetchClient,
    now: () => new Date(),
    host: 'soak-host',
  };
  const argLists: string[][] = [];
  const notBefore = (pem: string) => new X509Certificate(pem).validFrom;
  const served = (i: number) => Date.parse(notBefore(sb.records().find((r) => r.id === String(3000 + i))!.certificate));
  let regressions = 0;
  const lastSeen = DOMAINS.map(() => BASE);
  const observe = () =>
    DOMAINS.forEach((_, i) => {
      const now = served(i);
      if (now < lastSeen[i]!) regressions += 1;
      lastSeen[i] = Math.max(now, lastSeen[i]!);
    });

  // Each domain renews in its own lane (one record each), the four lanes in parallel.
  const codes: number[] = [];
  await Promise.all(
    DOMAINS.map(async (domain, i) => {
      const certPath = join(dir, `${domain}.crt`);
      const keyPath = join(dir, `${domain}.key`);
      await writeFile(keyPath, issuers[i]!.keyPem, { mode: 0o600 });
      for (let n = 1; n <= RENEWALS; n++) {
        await writeFile(certPath, issuers[i]!.cert(n)); // the ACME client writes the renewed file
        const args: DeployArgs = {
          cert: certPath,
          key: keyPath,
          domain,
          dryRun: false,
          json: false,
          allowNameLoss: false,
          force: false,
        };
        argLists.push([certPath, keyPath, domain]);
        codes.push(await deployCommand(args, ctx));
        observe();
      }
    }),
  );
  t.equal(codes.length, 200, '200 deploys ran');
  const failed = codes.filter((c) => c !== 0).length;
  t.ok(failed > 0, `some deploys failed under chaos (${failed} of 200), so retry has work`);
  t.ok(
    sb.chaosStats().failed > 20,
    `the sandbox failed ${sb.chaosStats().failed} of ${sb.chaosStats().requests} requests`,
  );

  let rounds = 0;
  let pending = Infinity;
  while (pending > 0 && rounds < 30) {
    rounds += 1;
    await retryCommand(ctx);
    observe();
    const entries = await Promise.all(
      (await readdir(state))
        .filter((n) => n.endsWith('.json'))
        .map(async (n) => JSON.parse(await readFile(join(state, n), 'utf8'))),
    );
    pending = entries.filter((e) => e.pending).length;
  }
  t.equal(pending, 0, `nothing pending after ${rounds} retry round(s)`);

  // Every record holds its newest certificate; none ever went back to an older one.
  DOMAINS.forEach((domain, i) => {
    const record = sb.records().find((r) => r.id === String(3000 + i))!;
    t.equal(
      new X509Certificate(record.certificate).serialNumber.toLowerCase().replace(/^0+/, ''),
      (0x1000 + RENEWALS).toString(16),
      `${domain}: holds certificate ${RENEWALS}`,
    );
  });
  t.equal(regressions, 0, 'no record ever went back to an older certificate');

  // No secret anywhere: printed output, journal files, argument lists.
  const journal = (await Promise.all((await readdir(state)).map((n) => readFile(join(state, n), 'utf8')))).join('\n');
  const keyLines = issuers.flatMap((iss) =>
    iss.keyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')),
  );
  for (const [where, text] of [
    ['output', printed.join('')],
    ['journal', journal],
    ['arguments', JSON.stringify(argLists)],
  ] as const) {
    const leaks = [TOKEN.tokenSecret, sb.slackUrl, ...keyLines].filter((s) => text.includes(s));
    t.same(
      leaks.map((s) => s.slice(0, 6)),
      [],
      `no secret or key line in the ${where}`,
    );
    t.notMatch(text, /PRIVATE KEY/, `no PEM key in the ${where}`);
  }
});
