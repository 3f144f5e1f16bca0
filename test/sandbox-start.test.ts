/**
 * The shipped sandbox as a person starts it for testing with a real ACME client: records to start
 * with (--records, --seed), a banner that says how to get one, ports and Slack path that survive
 * a restart with the same --state, --show-messages, and token dates from either Python client.
 */
import t, { type Test } from 'tap';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { belugaDate } from '../src/beluga/token-auth.js';
import { sandboxCommand, type SandboxArgs } from '../src/commands/sandbox.js';
import { nodeFetchClient } from '../src/http.js';
import { formatSandboxBanner, parseTokenDate, startSandbox } from '../src/sandbox/index.js';
import { messageText } from '../src/sandbox/message-text.js';
import { parseSeed, readRecordsFile, seedRecords } from '../src/sandbox/start-records.js';
import { fixture, runCli } from './helpers/run-cli.js';
import { call, fixture as fixtureText, tokenHeaders } from './helpers/sandbox-http.js';

const API = '/api/cdn/v2/ssl-certificates';
const TOKEN = { BELUGA_TOKEN_ID: 'start-id', BELUGA_TOKEN_SECRET: 'start-secret-0123456789' };
const EC = { certificate: fixtureText('ec256.crt'), key: fixtureText('ec256.pkcs8.key') };

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-start-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Running {
  printed: () => string;
  setting: (name: string) => string;
  /** Resolves once `pattern` has been printed. */
  until: (pattern: RegExp) => Promise<void>;
  stop: () => Promise<number>;
}

/** `beluga-cert sandbox` in-process, up to its banner; stopped at teardown if the test did not. */
async function sandbox(t: Test, args: Partial<SandboxArgs>, env: Record<string, string> = TOKEN): Promise<Running> {
  let printed = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const write = (s: string) => {
    printed += s;
    for (const w of [...waiters]) if (w.pattern.test(printed)) w.resolve();
  };
  let stop!: () => void;
  const done = sandboxCommand(
    { port: 0, ...args },
    {
      env: { BELUGA_HOOK_CONFIG: 'none', ...env },
      stdout: { write },
      stderr: { write },
      http: nodeFetchClient,
      now: () => new Date(),
      host: 'test',
      stop: new Promise<void>((resolve) => {
        stop = resolve;
      }),
    },
  );
  let stopped = false;
  const running: Running = {
    printed: () => printed,
    setting: (name) => new RegExp(`${name}=(\\S+)`).exec(printed)?.[1] ?? '',
    until: (pattern) =>
      Promise.race([
        new Promise<void>((resolve) => {
          if (pattern.test(printed)) resolve();
          else waiters.push({ pattern, resolve });
        }),
        done.then((code) => {
          throw new Error(`the sandbox ended (${code}): ${printed}`);
        }),
      ]),
    stop: () => {
      stopped = true;
      stop();
      return done;
    },
  };
  t.teardown(() => (stopped ? undefined : running.stop()));
  await running.until(/BELUGA_EDGE_ADDRESS=\S+\n[\s\S]*holds/);
  return running;
}

t.test('token dates: the Z form (official CLI) and the form without Z (beluga_py) are both accepted', async (t) => {
  const now = new Date('2017-08-06T10:21:33.512Z');
  const sb = await startSandbox({ credentials: { tokenId: 'i', tokenSecret: 's' }, now: () => now });
  t.teardown(() => sb.close());
  for (const date of ['2017-08-06T10:21:33.512034Z', '2017-08-06T10:21:33.512034', '2017-08-06T10:21:33']) {
    t.equal((await call(sb.url, 'GET', API, tokenHeaders('i', 's', 'GET', API, date))).status, 200, date);
  }
  for (const date of ['2017-08-06T10:21:33.512', '2017-08-06T10:21:33+00:00', '2017-08-06T10:21:33ZZ']) {
    t.equal((await call(sb.url, 'GET', API, tokenHeaders('i', 's', 'GET', API, date))).status, 401, date);
  }
  t.equal(parseTokenDate('2017-08-06T10:21:33.512034')?.toISOString(), '2017-08-06T10:21:33.512Z');
  t.equal(parseTokenDate('2017-02-30T10:21:33'), undefined, 'an impossible date');
  t.match(belugaDate(now), /Z$/, 'the client keeps sending the Z form');
});

t.test('--records: an array or a state file\'s {"certificates"}; each record checked, named by number', async (t) => {
  const dir = tempDir(t);
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  const array = readRecordsFile(
    file('a.json', [
      { site: 'shop', ...EC },
      { certificate: EC.certificate, id: 7 },
    ]),
  );
  t.same(
    array.map((r) => r.site),
    ['shop', undefined],
  );
  t.same(readRecordsFile(file('b.json', { certificates: [EC] })).length, 1);
  const wrongKey = { certificate: EC.certificate, key: fixtureText('rsa2048.pkcs1.key') };
  const bad: Array<[unknown, RegExp]> = [
    ['{"certificates":', /b\.json|x\.json: is not valid JSON/],
    [{ records: [] }, /holds neither an array of records nor/],
    [[EC, 'text'], /record 2: is not an object/],
    [[{ key: EC.key }], /record 1: "certificate" \(PEM text\) is missing/],
    [[{ ...EC, site: 3 }], /record 1: "site" must be a string/],
    [[{ ...EC, names: 'a' }], /record 1: "names" must be an array of strings/],
    [[wrongKey], /record 1: key does not match the certificate/],
    [[{ certificate: 'not a certificate' }], /record 1: certificate must be exactly one PEM certificate/],
  ];
  for (const [value, message] of bad) t.throws(() => readRecordsFile(file('x.json', value)), message);
  t.throws(() => readRecordsFile(join(dir, 'missing.json')), /missing\.json: cannot be read \(ENOENT\)/);
});

t.test('--seed: one record per option, a self-signed certificate and its key for exactly those names', async (t) => {
  t.same(parseSeed('example.com, www.example.com'), ['example.com', 'www.example.com']);
  const [one, wild] = seedRecords([['example.com', 'www.example.com'], ['*.example.net']]);
  const cert = new X509Certificate(one!.certificate);
  t.equal(cert.subjectAltName, 'DNS:example.com, DNS:www.example.com');
  t.ok(cert.checkPrivateKey(createPrivateKey(one!.key!)));
  t.equal(one!.site, 'example.com');
  t.equal(wild!.site, 'wildcard.example.net');
  for (const names of [[''], ['exa mple.com'], ['a.*.example.com'], ['-a.example.com'], []]) {
    t.throws(() => seedRecords([names]), /--seed: .* is not a DNS name/, JSON.stringify(names));
  }
});

t.test('an empty sandbox says how a first deploy creates a record; a seeded one lists what it holds', async (t) => {
  const empty = await sandbox(t, {});
  t.match(empty.printed(), /holds no certificates: a first deploy creates one for the site BELUGA_SITE names/);
  t.match(empty.printed(), /--seed NAME\[,NAME\.\.\.\] or --records FILE/);
  t.equal(await empty.stop(), 0);
  const seeded = await sandbox(t, { seed: ['example.com,www.example.com', 'example.net'] });
  t.match(seeded.printed(), /holds 2 certificates:\n {2}id=1000 site=example\.com example\.com, www\.example\.com\n/);
  t.match(seeded.printed(), /\n {2}id=1001 site=example\.net example\.net\n/);
  t.equal(await seeded.stop(), 0);
  const lines = formatSandboxBanner({ url: 'http://127.0.0.1:1', slackUrl: 'http://127.0.0.1:1/s', records: () => [] });
  t.ok(lines.some((l) => l.includes('BELUGA_SITE=my-site')));
});

t.test('a bad --records file or --seed name stops the start with a CONFIG error', async (t) => {
  const dir = tempDir(t);
  const broken = join(dir, 'records.json');
  writeFileSync(broken, '[{"certificate": 1}]');
  for (const args of [{ records: broken }, { seed: ['ok.example', 'bad name'] }]) {
    let printed = '';
    const write = (s: string) => void (printed += s);
    const code = await sandboxCommand(
      { port: 0, ...args },
      {
        env: { BELUGA_HOOK_CONFIG: 'none', ...TOKEN },
        stdout: { write },
        stderr: { write },
        http: nodeFetchClient,
        now: () => new Date(),
        host: 'test',
        stop: Promise.resolve(),
      },
    );
    t.equal(code, 3, printed);
    t.match(printed, /record 1: "certificate" \(PEM text\) is missing|--seed: "bad name" is not a DNS name/);
    t.notMatch(printed, /listening/);
  }
  const usage: Array<[string[], RegExp]> = [
    [['--edge-port', '70000'], /--edge-port must be a port number from 0 to 65535 \(got 70000\)/],
    [['--seed', ''], /--seed is empty; give a name, or names separated by commas/],
    [['--records', ''], /--records is empty; give a file/],
    [['--show-messages=yes'], /--show-messages is a flag/],
  ];
  for (const [args, message] of usage) {
    const r = await runCli(['sandbox', ...args], TOKEN);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, message);
  }
});

t.test('a seeded sandbox takes a real deploy as an update, and --show-messages prints what Slack got', async (t) => {
  const sb = await sandbox(t, { seed: ['example.com,www.example.com'], showMessages: true });
  const deploy = await runCli(['deploy', '--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.pkcs8.key')], {
    BELUGA_BASE_URL: sb.setting('BELUGA_BASE_URL'),
    ...TOKEN,
    SLACK_WEBHOOK_URL: sb.setting('SLACK_WEBHOOK_URL'),
    DISCORD_WEBHOOK_URL: sb.setting('DISCORD_WEBHOOK_URL'),
  });
  t.equal(deploy.code, 0, deploy.stderr);
  t.match(deploy.stdout, /updated Beluga certificate id=1000/);
  await sb.until(/Slack message:/);
  await sb.until(/discord message:/);
  t.match(sb.printed(), /Slack message:\n {2}.*Renewed SSL certificate successfully\n {2} {2}Domain: example\.com/);
  t.match(sb.printed(), /discord message:\n(?: {2}.*\n)*? {2}.*example\.com/);
  t.notMatch(sb.printed(), /start-secret-0123456789/);
  t.equal(await sb.stop(), 0);
});

const REMEMBERED = [
  'BELUGA_BASE_URL',
  'SLACK_WEBHOOK_URL',
  'BELUGA_EDGE_ADDRESS',
  'DISCORD_WEBHOOK_URL',
  'TEAMS_WEBHOOK_URL',
  'TELEGRAM_BOT_TOKEN',
  'WEBHOOK_URL',
  'WEBHOOK_SECRET',
];

t.test('with the same --state a restart keeps the API port, the edge port and every notifier URL', async (t) => {
  const state = join(tempDir(t), 'state.json');
  const first = await sandbox(t, { state });
  const urls = REMEMBERED.map(first.setting);
  for (const [i, url] of urls.entries()) t.not(url, '', `${REMEMBERED[i]} is printed`);
  t.equal(await first.stop(), 0);
  const saved = JSON.parse(readFileSync(state, 'utf8'));
  t.same(saved.certificates, []);
  t.equal(`${urls[0]}${saved.endpoints.slackPath}`, urls[1]);
  t.equal(`127.0.0.1:${saved.endpoints.edgePort}`, urls[2]);
  const second = await sandbox(t, { state, seed: ['example.com'] });
  t.same(REMEMBERED.map(second.setting), urls);
  t.match(second.printed(), /--state .* exists: the sandbox starts with its records, not those of --records or --seed/);
  t.equal(await second.stop(), 0);
});

t.test('--edge-port and --port win over the state file; a remembered port taken meanwhile is replaced', async (t) => {
  const state = join(tempDir(t), 'state.json');
  const free = await freePort();
  const first = await sandbox(t, { state, edgePort: free });
  t.equal(first.setting('BELUGA_EDGE_ADDRESS'), `127.0.0.1:${free}`);
  const apiPort = Number(new URL(first.setting('BELUGA_BASE_URL')).port);
  t.equal(await first.stop(), 0);
  // Someone else takes the remembered API port: the sandbox says so and listens elsewhere.
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(apiPort, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
  const second = await sandbox(t, { state });
  t.match(second.printed(), new RegExp(`the API's port ${apiPort} from the state file is taken; listening on another`));
  t.not(second.setting('BELUGA_BASE_URL'), `http://127.0.0.1:${apiPort}`);
  t.equal(second.setting('BELUGA_EDGE_ADDRESS'), `127.0.0.1:${free}`, 'the edge port is remembered');
  t.equal(await second.stop(), 0);
  const saved = JSON.parse(readFileSync(state, 'utf8'));
  t.equal(`http://127.0.0.1:${saved.endpoints.port}`, second.setting('BELUGA_BASE_URL'), 'the new port is remembered');
  const chosen = await freePort();
  const third = await sandbox(t, { state, port: chosen });
  t.equal(third.setting('BELUGA_BASE_URL'), `http://127.0.0.1:${chosen}`, '--port wins over the remembered one');
  t.equal(await third.stop(), 0);
});

t.test('a state file with broken endpoints is refused at start', async (t) => {
  const dir = tempDir(t);
  const slackPath = `/slack/services/T00000000/B00000000/${'ab'.repeat(12)}`;
  const bad: Array<[object, string]> = [
    [{ port: 0, edgePort: 1, slackPath: '/slack/services/T00000000/B00000000/00' }, 'port, slackPath'],
    [{ port: 1, edgePort: 2 }, 'slackPath'],
    [{ port: 1, edgePort: 2, slackPath, webhookSecret: 'short' }, 'webhookSecret'],
    [{ port: 1, edgePort: 2, slackPath, discordToken: 42 }, 'discordToken'],
  ];
  for (const [endpoints, named] of bad) {
    const statePath = join(dir, 'state.json');
    writeFileSync(statePath, JSON.stringify({ certificates: [], endpoints }));
    await t.rejects(
      startSandbox({ credentials: {}, statePath }),
      new RegExp(`has a broken "endpoints" entry \\(${named}\\); delete the file`),
    );
  }
  // A file from before the sandbox kept the other notifiers' secrets: its Slack path is kept, the rest made.
  const older = join(dir, 'older.json');
  const [port, edgePort] = [await freePort(), await freePort()];
  writeFileSync(older, JSON.stringify({ certificates: [], endpoints: { port, edgePort, slackPath } }));
  const kept = await startSandbox({ credentials: {}, statePath: older });
  t.equal(kept.slackUrl, `http://127.0.0.1:${port}${slackPath}`);
  await kept.close();
  const rewritten = JSON.parse(readFileSync(older, 'utf8')).endpoints;
  t.match(rewritten, { port, edgePort, slackPath, webhookPath: /^\/webhook\/[0-9a-f]{24}$/ }, 'the others are saved');
  const statePath = join(dir, 'old.json');
  writeFileSync(statePath, JSON.stringify({ certificates: [EC] }));
  const sb = await startSandbox({ credentials: {}, statePath });
  t.teardown(() => sb.close());
  t.equal(sb.records().length, 1, 'a state file from before the sandbox remembered ports still loads');
  t.equal(JSON.parse(readFileSync(statePath, 'utf8')).endpoints.port, Number(new URL(sb.url).port));
});

t.test("messageText: the text of each service's payload, tags and card types left out, bounded", async (t) => {
  const fields = [{ name: 'Domain', value: 'a.example' }];
  const discord = { content: 'hello', embeds: [{ title: 'Renewed', description: '<b>ok</b>', fields }] };
  t.same(messageText(discord), ['hello', 'Renewed', 'ok', 'a.example']);
  const card = { type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: 'Renewed' }] };
  t.same(messageText({ type: 'message', attachments: [{ content: card }] }), ['Renewed']);
  const event = { version: 1, type: 'certificate.deployed', domain: 'example.com', error: null };
  t.same(messageText(event), ['certificate.deployed']);
  t.equal(messageText({ text: Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') }).length, 60);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
