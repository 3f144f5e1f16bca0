/**
 * What every end-to-end test file (e2e-lego, e2e-certbot, e2e-dehydrated, e2e-acmesh) sets up and
 * checks the same way: a pebble when the client and the build are there, a sandbox with the old
 * certificate and a decoy, the hook's environment, the leak check and the record/Slack checks.
 * What differs per client (certbot's log, dehydrated's EC PARAMETERS block, lego's issuer file)
 * stays in the test files.
 */
import t, { type Test } from 'tap';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxRecord } from './sandbox.js';
import { missingCommands, type ClientResult } from './acme-clients.js';
import { startPebble, type Pebble } from './pebble.js';
import { ROOT, fixtureText } from './run-cli.js';
import { tempStateDir } from './state-dir.js';

/** The certificate every record holds before a deploy. */
const OLD = { certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') };
/** A record for another domain that no deploy may touch. */
const DECOY = { id: '2999', names: ['decoy.example.com'] };

type Printed = Pick<ClientResult<unknown>, 'stdout' | 'stderr'>;
type SlackMessage = {
  text: string;
  attachments: Array<{ color: string; fields: Array<{ title: string; value: string }> }>;
};

export const output = (r: Printed) => r.stdout + r.stderr;

export function okRun(t: Test, what: string, r: ClientResult<unknown>): void {
  t.comment(`${what}: exit ${r.exitCode} in ${r.durationMs} ms`);
  t.equal(r.exitCode, 0, `${what} exits 0`, { output: output(r).slice(-4000), timedOut: r.timedOut });
}

/**
 * The key file's base64 lines that hold private bytes. Lines that only encode the public key are
 * left out: certificates and CSRs (which clients log) carry the same bytes, and may match by chance.
 */
function privateLines(pem: string): string[] {
  const spki = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' });
  return pem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 20 && !l.startsWith('-----'))
    .filter((l) => !spki.includes(Buffer.from(l, 'base64')));
}

/**
 * The last of `deploys` PUTs went to `id`; the record holds the leaf (first PEM block of `cert`),
 * the certificate in `chain` as chain, and a key that matches the leaf; the decoy is untouched.
 * Undefined when the record is gone (the caller stops checking there).
 */
export async function checkRecord(
  t: Test,
  sb: Sandbox,
  want: { id: string; deploys: number; cert: string; chain: string },
  writer: string,
  chainIs = `the chain ${writer} wrote`,
): Promise<{ record: SandboxRecord; fingerprint: string } | undefined> {
  const leaf = new X509Certificate(await readFile(want.cert)); // parses the first PEM block
  const puts = sb.requests.filter((r) => r.method === 'PUT');
  t.equal(puts.length, want.deploys, `${want.deploys} PUT(s) so far`);
  t.equal(JSON.parse(puts.at(-1)?.body ?? '{}').id, want.id, `PUT went to id ${want.id}`);
  const record = sb.records().find((r) => String(r.id) === want.id);
  t.ok(record, `record ${want.id} exists`);
  if (!record) return undefined;
  t.equal(
    new X509Certificate(record.certificate).fingerprint256,
    leaf.fingerprint256,
    `record holds the leaf ${writer} wrote`,
  );
  t.equal(
    new X509Certificate(record.chain).fingerprint256,
    new X509Certificate(await readFile(want.chain)).fingerprint256,
    `record holds ${chainIs}`,
  );
  t.ok(leaf.checkPrivateKey(createPrivateKey(record.key)), 'stored key matches the leaf');
  t.same(sb.records().find((r) => r.id === DECOY.id)?.certificate, OLD.certificate, 'the decoy record is untouched');
  return { record, fingerprint: leaf.fingerprint256 };
}

/** `deploys` Slack messages, the last a success for `domain` (and for `id`, when given). */
export function checkSlackSuccess(
  t: Test,
  sb: Sandbox,
  deploys: number,
  domain: string,
  id?: string,
  count = 'one Slack message per deploy',
): void {
  t.equal(sb.slackMessages.length, deploys, count);
  const last = (sb.slackMessages.at(-1) as SlackMessage | undefined)?.attachments[0];
  t.equal(last?.color, '#36a64f', 'Slack: success colour');
  const fields = last?.fields;
  t.equal(fields?.find((f) => f.title === 'Domain')?.value, domain, 'Slack: the domain');
  if (id !== undefined) t.equal(fields?.find((f) => f.title === 'Beluga id')?.value, id, 'Slack: the id');
}

/** A failed deploy: record `id` still holds the old certificate; one Slack message, a failure naming `domain`. */
export function checkFailure(t: Test, sb: Sandbox, id: string, domain: string): void {
  t.equal(
    sb.records().find((r) => r.id === id)?.certificate,
    OLD.certificate,
    'the record still holds the old certificate',
  );
  t.equal(sb.slackMessages.length, 1, 'one Slack message');
  const msg = sb.slackMessages[0] as SlackMessage | undefined;
  t.equal(msg?.attachments[0]?.color, 'danger', 'Slack: failure colour');
  t.match(msg?.text, new RegExp(`${domain.replace(/\./g, '\\.')}.*REMOTE_UNAVAILABLE`), 'Slack: domain and code');
}

export interface E2eKitOptions {
  /** Names the token, e.g. 'lego' → e2e-lego-id. */
  client: string;
  /** Commands the tests need besides pebble, pebble-challtestsrv and openssl. */
  commands: string[];
  /** The built file the client runs, relative to the project root, e.g. 'dist/hooks/lego.js'. */
  built: string;
}

/**
 * Looks for the commands and the build and starts one pebble for the file when all are there
 * (stopped on the file's teardown). e2eTest fails in CI (process.env.CI set) when something is
 * missing and skips elsewhere.
 */
export async function createE2eKit(opts: E2eKitOptions) {
  const TOKEN = { tokenId: `e2e-${opts.client}-id`, tokenSecret: `e2e-${opts.client}-secret-0123456789` };
  const missing = await missingCommands(['pebble', 'pebble-challtestsrv', 'openssl', ...opts.commands]);
  const notBuilt = existsSync(join(ROOT, opts.built)) ? [] : [`${opts.built} (npm run build)`];
  const problem = [...missing, ...notBuilt].join(', ');
  const pebble = problem ? undefined : await startPebble();
  t.teardown(() => pebble?.stop());

  /** A sandbox holding the old fixture certificate under `id` for `names`, plus an unrelated decoy. */
  async function sandbox(t: Test, id: string, names: string[]): Promise<Sandbox> {
    const sb = await startSandbox({
      credentials: TOKEN,
      records: [
        { id, site: 'e2e', names, ...OLD },
        { ...DECOY, site: 'e2e', ...OLD },
      ],
    });
    t.teardown(() => sb.close());
    return sb;
  }

  const journals = new WeakMap<Sandbox, string>();
  const journalFor = (sb: Sandbox) => {
    if (!journals.has(sb)) journals.set(sb, tempStateDir());
    return journals.get(sb)!;
  };

  /**
   * What the hook needs, handed to the client so that it hands it on (BELUGA_HOOK_CONFIG=none: no
   * file; a journal of its own per sandbox, never /var/lib/beluga-cert-hook).
   */
  const hookEnv = (sb: Sandbox) => ({
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    SLACK_WEBHOOK_URL: sb.slackUrl,
    BELUGA_HOOK_CONFIG: 'none',
    BELUGA_HOOK_STATE_DIR: journalFor(sb),
  });

  /**
   * No token secret, webhook URL or private line of the key at `keyPath` in `printed`; with
   * `pemBlock`, no PEM key block either. `where` ends the messages ("in lego's output").
   */
  async function noSecrets(
    t: Test,
    sb: Sandbox,
    printed: string,
    keyPath: string,
    where: string,
    pemBlock = true,
  ): Promise<void> {
    const keyLines = privateLines(await readFile(keyPath, 'utf8'));
    t.ok(keyLines.length > 0, 'the key has private lines to look for');
    const leaked = [TOKEN.tokenSecret, sb.slackUrl, ...keyLines].filter((s) => printed.includes(s));
    t.same(
      leaked.map((s) => `${s.slice(0, 6)}…`),
      [],
      `no token secret, webhook URL or key line ${where}`,
    );
    if (pemBlock) t.notMatch(printed, /PRIVATE KEY/, `no PEM key block ${where}`);
  }

  /** t.test that runs `body` with the pebble, or fails (CI) / is skipped (elsewhere) when something is missing. */
  function e2eTest(name: string, body: (t: Test, pebble: Pebble) => Promise<void>): void {
    const skip = problem && !process.env.CI ? `missing ${problem} (run .ci/install-e2e-deps.sh)` : false;
    t.test(name, { skip }, async (t) => {
      if (problem || !pebble) return void t.fail(`missing ${problem || 'pebble'}`);
      await body(t, pebble);
      if (!t.passing()) t.comment(`pebble log tail:\n${pebble.logs().slice(-3000)}`);
    });
  }

  return { sandbox, hookEnv, noSecrets, e2eTest };
}
