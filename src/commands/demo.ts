import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../errors.js';
import { renderForTerminal, type SlackPayload } from '../notify/slack-message.js';
import type { RunContext } from './context.js';
import { deployCommand } from './deploy.js';

/** The fixture certificates shipped with the package (made by test/fixtures/make-fixtures.sh). */
const FIXTURES = new URL('../../test/fixtures/', import.meta.url);
const fixture = (name: string) => fileURLToPath(new URL(name, FIXTURES));

/**
 * `beluga-cert demo`: the main job end to end with no account: an embedded sandbox holding an
 * old certificate for example.com, then a real `deploy` of a renewed one, step by step, and the
 * Slack message as it would read. The demo's token is random and never printed.
 */
export async function demoCommand(ctx: RunContext): Promise<number> {
  const say = (line: string) => void ctx.stdout.write(`${line}\n`);
  const { startSandbox } = await import('../sandbox/index.js');
  const credentials = { tokenId: 'demo', tokenSecret: randomBytes(24).toString('hex') };
  const sandbox = await startSandbox({
    credentials,
    records: [
      {
        id: '1001',
        site: 'example-com',
        certificate: await readFile(fixture('rsa2048.crt'), 'utf8'),
        key: await readFile(fixture('rsa2048.pkcs1.key'), 'utf8'),
      },
      {
        id: '1002',
        site: 'example-net',
        certificate: await readFile(fixture('ec384.crt'), 'utf8'),
        key: await readFile(fixture('ec384.sec1.key'), 'utf8'),
      },
    ],
    // Like a real CDN, the sandbox's edge takes a moment to serve an upload: the verify step waits for it.
    edge: { delayMs: 1500 },
  });
  // The demo's journal lives and dies with the demo: it never touches /var/lib/beluga-cert-hook.
  const stateDir = await mkdtemp(join(tmpdir(), 'beluga-cert-demo-'));
  try {
    say(
      `== 1. A Beluga sandbox is running at ${sandbox.url}, with a Slack sink and a TLS edge (${sandbox.edgeAddress}) beside it. It holds:`,
    );
    showRecords(sandbox.records(), say);
    say('== 2. An ACME client has just renewed example.com (EC P-256, lego-style bundle: leaf + 2 intermediates).');
    say('     Running: beluga-cert deploy --cert ec256.bundle.crt --key ec256.sec1.key');
    say(
      `     (with BELUGA_EDGE_ADDRESS=${sandbox.edgeAddress}: before the upload the edge is asked whether it serves anything newer, after it until it serves the new certificate;`,
    );
    say("      and BELUGA_CA_FILE=root.crt: the fixtures' test root is a trust anchor, as a private CA would be)");
    const code = await deployCommand(
      {
        cert: fixture('ec256.bundle.crt'),
        key: fixture('ec256.sec1.key'),
        dryRun: false,
        json: false,
        allowNameLoss: false,
        force: false,
      },
      {
        ...ctx,
        stdout: { write: (s: string) => ctx.stdout.write(s.replace(/^(?=.)/gm, '     ')) },
        env: {
          BELUGA_HOOK_CONFIG: 'none',
          BELUGA_HOOK_STATE_DIR: stateDir,
          BELUGA_BASE_URL: sandbox.url,
          BELUGA_TOKEN_ID: credentials.tokenId,
          BELUGA_TOKEN_SECRET: credentials.tokenSecret,
          BELUGA_EDGE_ADDRESS: sandbox.edgeAddress,
          BELUGA_CA_FILE: fixture('root.crt'),
          SLACK_WEBHOOK_URL: sandbox.slackUrl,
          SLACK_CHANNEL: '#general',
          SLACK_USERNAME: 'Job information',
          SLACK_ICON_EMOJI: ':osmc:',
        },
      },
    );
    if (code !== EXIT.OK) {
      say(`== The deploy failed (exit ${code}); see the error above.`);
      return code;
    }
    const requests = sandbox.requests.map((r) => `${r.method} ${r.path}`);
    say(`== 3. Requests Beluga received (token-signed, key only in the PUT body): ${requests.join(', ')}`);
    say('     Beluga now holds (id=1001 now serves the renewed certificate):');
    showRecords(sandbox.records(), say);
    // Runs of the same served certificate: "4 × sha256 A0:2D:BA:23…, then 2 × sha256 1C:53:25:0E…".
    const runs: Array<{ fp: string; count: number }> = [];
    for (const h of sandbox.edgeHandshakes) {
      const fp = h.fingerprint256 === undefined ? 'refused' : `sha256 ${h.fingerprint256.slice(0, 11)}…`;
      if (runs.at(-1)?.fp === fp) runs.at(-1)!.count += 1;
      else runs.push({ fp, count: 1 });
    }
    say(
      `     The edge's answers to the verify step's TLS handshakes (SNI example.com, www.example.com): ${runs.map((r) => `${r.count} × ${r.fp}`).join(', then ')}`,
    );
    say('== 4. The Slack message, as it reads in the channel:');
    for (const message of sandbox.slackMessages) {
      for (const line of renderForTerminal(message as SlackPayload)) say(`     ${line}`);
    }
    say('== Done. Point BELUGA_* and SLACK_WEBHOOK_URL at the real services to do this for your site.');
    return EXIT.OK;
  } finally {
    await sandbox.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

function showRecords(
  records: Array<{ id: string | number; names: string[]; certificate: string }>,
  say: (line: string) => void,
): void {
  for (const r of records) {
    const cert = new X509Certificate(r.certificate);
    say(`     id=${r.id}  ${r.names.join(', ')}  expires ${cert.validTo}  sha256 ${cert.fingerprint256.slice(0, 23)}…`);
  }
}
