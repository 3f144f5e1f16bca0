/**
 * `beluga-cert expiry`: what browsers get, not what is on disk. The sandbox's TLS edge serves each
 * record's certificate; one that expires in 5 days is flagged (exit 43) and told to the notifiers,
 * names the edge does not answer for are listed (exit 42 when none answered), and with no NAME the
 * names come from the journal and the stores.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { EXIT } from '../src/errors.js';
import { sinkSettings, startSandbox } from '../src/sandbox/index.js';
import { certMaker } from './helpers/make-certs.js';
import { runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'x-id', tokenSecret: 'expiry-secret-0123456789' };
const DAY = 86_400_000;
const maker = certMaker();
// certMaker's certificates last 3650 days from notBefore: these end in 5 days and in ~10 years.
const soon = maker.cert(['example.com', 'www.example.com'], new Date(Date.now() - 3645 * DAY), 21);
const later = maker.cert(['example.net', 'www.example.net'], new Date(Date.now() - DAY), 22);

/** A sandbox whose edge serves `soon` for example.com and `later` for example.net, and the env to reach it. */
async function world() {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [
      { id: '1001', site: 'com', certificate: soon, key: maker.keyPem },
      { id: '1002', site: 'net', certificate: later, key: maker.keyPem },
    ],
  });
  t.teardown(() => sb.close());
  const env = (extra: Record<string, string> = {}) => ({
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    BELUGA_EDGE_ADDRESS: sb.edgeAddress,
    BELUGA_HOOK_STATE_DIR: tempStateDir(),
    ...extra,
  });
  return { sb, env };
}
const { sb, env } = await world();

t.test('a name whose served certificate ends within --days: EXPIRING, exit 43', async (t) => {
  const r = await runCli(['expiry', 'example.com', 'example.net'], env());
  t.equal(r.code, EXIT.EDGE_EXPIRING, r.stderr);
  t.match(
    r.stdout,
    /^example\.com: the edge \(127\.0\.0\.1:\d+\) serves sha256 [0-9A-F:]+… with [45] day\(s\) left \(\d{4}-\d\d-\d\d\): EXPIRING; nothing deployed from this host$/m,
  );
  t.match(
    r.stdout,
    /^example\.net: the edge .* with 36\d\d day\(s\) left \(\d{4}-\d\d-\d\d\); nothing deployed from this host$/m,
  );
  t.match(r.stdout, /^expiry: 1 of 2 name\(s\) expire on the edge within 21 days, 0 could not be asked$/m);
  // --days moves the line: 3 days is fewer than what is left.
  const short = await runCli(['expiry', 'example.com', '--days', '3'], env());
  t.equal(short.code, EXIT.OK, short.stdout);
  const json = await runCli(['expiry', 'example.com', 'example.net', '--json'], env());
  t.equal(json.code, EXIT.EDGE_EXPIRING);
  const rows = JSON.parse(json.stdout);
  t.match(rows, [
    { name: 'example.com', expiring: true, served: { daysLeft: Number }, error: null, lastDeployed: null },
    { name: 'example.net', expiring: false },
  ]);
});

t.test('names the edge does not answer for are listed; none answered is EDGE_UNREACHABLE', async (t) => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  const r = await runCli(['expiry', 'example.net'], env({ BELUGA_EDGE_ADDRESS: `127.0.0.1:${closed}` }));
  t.equal(r.code, EXIT.EDGE_UNREACHABLE, r.stdout);
  t.match(
    r.stdout,
    /^example\.net: could not ask the edge: connection refused \(127\.0\.0\.1:\d+\); nothing deployed from this host$/m,
  );
  // One name the edge does not serve (the handshake is refused), one it does: not unreachable overall.
  const mixed = await runCli(['expiry', 'example.net', 'unknown.example.org'], env());
  t.equal(mixed.code, EXIT.OK, mixed.stdout);
  t.match(mixed.stdout, /^unknown\.example\.org: could not ask the edge: /m);
  t.match(mixed.stdout, /1 could not be asked$/m);
});

t.test("no NAME: the journal's deployed names and the stores' names; none at all is said, exit 0", async (t) => {
  const state = tempStateDir();
  const empty = await runCli(['expiry'], env({ BELUGA_HOOK_STATE_DIR: state }));
  t.equal(empty.code, EXIT.OK, empty.stderr);
  t.match(empty.stdout, /expiry: no names to check/);

  const dir = await mkdtemp(join(tmpdir(), 'expiry-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'net'));
  await writeFile(join(dir, 'net', 'tls.crt'), later);
  await writeFile(join(dir, 'net', 'tls.key'), maker.keyPem);
  const fromStore = await runCli(['expiry', '--dir', dir], env({ BELUGA_HOOK_STATE_DIR: state }));
  t.equal(fromStore.code, EXIT.OK, fromStore.stderr);
  t.match(fromStore.stdout, /^example\.net: the edge/m);
  t.match(fromStore.stdout, /^www\.example\.net: the edge/m);

  // A deploy of a renewed example.com puts its names in the journal; the edge serves it at once.
  const renewed = join(dir, 'renewed.crt');
  await writeFile(renewed, maker.cert(['example.com', 'www.example.com'], new Date(Date.now() - DAY), 23));
  await writeFile(join(dir, 'key.pem'), maker.keyPem);
  const deploy = await runCli(
    ['deploy', '--cert', renewed, '--key', join(dir, 'key.pem')],
    env({ BELUGA_HOOK_STATE_DIR: state }),
  );
  t.equal(deploy.code, EXIT.OK, deploy.stderr);
  const fromJournal = await runCli(['expiry'], env({ BELUGA_HOOK_STATE_DIR: state }));
  t.equal(fromJournal.code, EXIT.OK, fromJournal.stdout);
  t.match(
    fromJournal.stdout,
    /^example\.com: the edge .* with 36\d\d day\(s\) left .*; last deployed here \d{4}-.* Beluga id 1001\)$/m,
  );
});

t.test('bad command lines: exit 2 before anything is asked', async (t) => {
  for (const args of [
    ['expiry', '--days', '0'],
    ['expiry', '--days', 'soon'],
    ['expiry', 'https://example.com'],
    ['expiry', '--dayz', '3'],
  ]) {
    const before = sb.edgeHandshakes.length;
    const r = await runCli(args, env());
    t.equal(r.code, EXIT.USAGE, `${args.join(' ')}: ${r.stderr}`);
    t.equal(sb.edgeHandshakes.length, before, 'no handshake');
  }
});

t.test('the shipped examples run expiry with a command line the CLI accepts', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const { parse } = await import('yaml');
  const manifest = parse(await readFile(join(process.cwd(), 'examples/kubernetes/beluga-cert-expiry.yaml'), 'utf8'));
  const command: string[] = manifest.spec.jobTemplate.spec.template.spec.containers[0].command;
  t.same(command.slice(0, 2), ['beluga-cert', 'expiry']);
  const unit = await readFile(join(process.cwd(), 'examples/systemd/beluga-cert-expiry.service'), 'utf8');
  const execStart = /^ExecStart=\S+ (.*)$/m.exec(unit)![1]!.split(' ');
  t.equal(execStart[0], 'expiry');
  // Each line as the CLI reads it (stores pointed at an empty folder, names at the sandbox's edge):
  // never a usage error.
  const empty = await mkdtemp(join(tmpdir(), 'expiry-ex-'));
  t.teardown(() => rm(empty, { recursive: true, force: true }));
  for (const args of [command.slice(1), execStart.map((a) => (a.startsWith('/') ? empty : a))]) {
    const r = await runCli(args, env());
    t.not(r.code, EXIT.USAGE, `${args.join(' ')}: ${r.stderr}`);
  }
});

t.test(
  'the alert: one message through every configured notifier, saying days left and what was deployed',
  async (t) => {
    // A sandbox of its own: the test above deployed a renewed example.com to the shared one.
    const { sb, env } = await world();
    const slackBefore = sb.slackMessages.length;
    const hookBefore = sb.notify.webhook.messages.length;
    const r = await runCli(
      ['expiry', 'example.com', 'example.net'],
      env(sinkSettings(sb.notify, ['slack', 'webhook'])),
    );
    t.equal(r.code, EXIT.EDGE_EXPIRING, r.stderr);
    t.match(r.stdout, /^notify: slack: sent$/m);
    t.match(r.stdout, /^notify: webhook: sent$/m);
    t.equal(sb.slackMessages.length, slackBefore + 1, 'one Slack message for the run');
    const slack = JSON.stringify(sb.slackMessages.at(-1));
    t.match(slack, /Certificates expiring on the CDN edge: 1 name\(s\) within 21 days/);
    t.match(slack, /example\.com: [45] days left \(\d{4}-\d\d-\d\d\); nothing deployed from this host/);
    t.notMatch(slack, /example\.net/, 'only the expiring name');
    const hook = sb.notify.webhook.messages[hookBefore] as {
      type: string;
      expiry: { days: number; expiring: Array<{ name: string }> };
    };
    t.equal(sb.notify.webhook.messages.length, hookBefore + 1);
    t.match(hook, {
      type: 'certificate.expiring',
      expiry: { days: 21, expiring: [{ name: 'example.com', last_deployed: null }], unreachable: [] },
    });
    // NOTIFY_LEVEL=none: the exit code still says it, no message goes.
    const quiet = await runCli(
      ['expiry', 'example.com'],
      env({ SLACK_WEBHOOK_URL: sb.slackUrl, NOTIFY_LEVEL: 'none' }),
    );
    t.equal(quiet.code, EXIT.EDGE_EXPIRING);
    t.equal(sb.slackMessages.length, slackBefore + 1, 'no message at NOTIFY_LEVEL=none');
  },
);
