/**
 * A hostile API that quotes every request back (each header, Authorization decoded too, each body
 * field raw, JSON-escaped and form-encoded, the path in other cases) and notifier services that do
 * the same: no output of `beluga-cert` may then hold a secret or any run of the key or the
 * certificate that was sent. Every output path is read: stdout, --json, stderr, the journal files,
 * `pending` and `pending --json`, and what Slack, Telegram and the webhook receiver got. Both auth
 * schemes; secrets with characters that encode differently in JSON, URLs and base64.
 */
import t, { type Test } from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/errors.js';
import { sinkSettings, startSandbox, type Sandbox } from './helpers/sandbox.js';
import { fixture, fixtureText, runCli, type CliResult } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'tok-id-echo', tokenSecret: 'echo-token-secret/0123+456789abcdef' };
const BASIC = { username: 'ops@example.com', password: 'echo/basic+pass word%42!x' };
const CERT = ['--cert', fixture('rsa2048.bundle.crt'), '--key', fixture('rsa2048.pkcs8.key')];

/** The base64 of the PEM bodies sent: key and certificate, each as one string. */
const pemBody = (name: string) =>
  fixtureText(name)
    .split('\n')
    .filter((l) => !l.startsWith('-----'))
    .join('');
const KEY_BODY = pemBody('rsa2048.pkcs8.key');
const CERT_LINES = fixtureText('rsa2048.bundle.crt')
  .split('\n')
  .filter((l) => l.length >= 16 && !l.startsWith('-----'));

async function sandbox(t: Test): Promise<Sandbox> {
  const sb = await startSandbox({
    credentials: { ...TOKEN, ...BASIC },
    records: [
      { id: '1001', site: 'example-com', certificate: fixtureText('ec256.crt'), key: fixtureText('ec256.sec1.key') },
    ],
  });
  t.teardown(() => sb.close());
  return sb;
}

type Auth = 'token' | 'basic';

/** Beluga (either scheme), Slack, Telegram and a webhook receiver, all on the sandbox; a journal of its own. */
function env(sb: Sandbox, auth: Auth, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BELUGA_BASE_URL: sb.url,
    ...(auth === 'token'
      ? { BELUGA_TOKEN_ID: TOKEN.tokenId, BELUGA_TOKEN_SECRET: TOKEN.tokenSecret }
      : { BELUGA_USERNAME: BASIC.username, BELUGA_PASSWORD: BASIC.password }),
    ...sinkSettings(sb.notify, ['slack', 'telegram', 'webhook']),
    BELUGA_HOOK_STATE_DIR: tempStateDir(),
    ...extra,
  };
}

/** Every secret of the run and its derived forms: what none of the outputs may hold. */
function secretsOf(sb: Sandbox, extra: string[] = []): string[] {
  const paths = [sb.slackUrl, sb.notify.webhook.url].map((u) => new URL(u).pathname);
  const signatures = sb.requests.flatMap((q) => (q.headers.authorization ?? '').split(' ').slice(1));
  const base = [
    TOKEN.tokenSecret,
    BASIC.password,
    `${BASIC.username}:${BASIC.password}`,
    Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64'),
    sb.slackUrl,
    sb.notify.webhook.url,
    sb.notify.webhook.secret,
    sb.notify.telegram.token,
    sb.notify.telegram.token.split(':')[1]!,
    ...paths,
    ...signatures,
    ...extra,
  ];
  return [...base, ...base.map(encodeURIComponent), ...base.map((s) => s.replaceAll('/', '\\/'))];
}

/** Each leak found in `text`: a secret (any 20 characters of it, any case) or 16 characters of the key, or a certificate line. */
function leaks(text: string, secrets: string[]): string[] {
  const lower = text.toLowerCase();
  const found: string[] = [];
  for (const s of secrets) {
    const windows = s.length <= 20 ? [s] : Array.from({ length: s.length - 19 }, (_, i) => s.slice(i, i + 20));
    if (windows.some((w) => lower.includes(w.toLowerCase()))) found.push(`secret ${s.slice(0, 6)}…`);
  }
  for (let i = 0; i + 16 <= KEY_BODY.length; i++) {
    if (text.includes(KEY_BODY.slice(i, i + 16))) {
      found.push(`key base64 at ${i}`);
      break;
    }
  }
  for (const line of CERT_LINES) if (text.includes(line)) found.push(`certificate line ${line.slice(0, 6)}…`);
  return found;
}

async function journalText(dir: string): Promise<string> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const texts = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8').catch(() => '')));
  return texts.join('\n');
}

/** What each notifier service received (request bodies, as sent). */
function sinkTexts(sb: Sandbox): Record<string, string> {
  const bodies = (requests: { body: string }[]) => requests.map((q) => q.body).join('\n');
  return {
    slack: bodies(sb.slackRequests),
    telegram: bodies(sb.notify.telegram.requests),
    webhook: bodies(sb.notify.webhook.requests),
  };
}

/** No output of the run, nor `pending` and `pending --json` after it, leaks anything. */
async function assertNothingLeaks(
  t: Test,
  sb: Sandbox,
  e: Record<string, string>,
  r: CliResult,
  extra: string[] = [],
): Promise<void> {
  const pending = await runCli(['pending'], e);
  const pendingJson = await runCli(['pending', '--json'], e);
  const secrets = secretsOf(sb, extra);
  const outputs: Record<string, string> = {
    stdout: r.stdout,
    stderr: r.stderr,
    journal: await journalText(e.BELUGA_HOOK_STATE_DIR!),
    'pending output': pending.stdout + pending.stderr,
    'pending --json': pendingJson.stdout + pendingJson.stderr,
    ...sinkTexts(sb),
  };
  for (const [name, text] of Object.entries(outputs))
    t.strictSame(leaks(text, secrets), [], `${name} holds no secret and nothing sent`);
}

// The list quotes the headers (Authorization within the first 200 characters), the upload the key first.
for (const auth of ['token', 'basic'] as const) {
  for (const [method, call] of [
    ['GET', 'list certificates'],
    ['PUT', 'update certificate id=1001'],
  ] as const) {
    t.test(
      `${auth} auth, ${method} quoted back: --json, stderr, journal, pending and every notifier stay clean`,
      async (t) => {
        const sb = await sandbox(t);
        sb.fault({ target: 'api', method, echo: true });
        const e = env(sb, auth);
        const r = await runCli(['deploy', ...CERT, '--json'], e);
        t.equal(r.code, EXIT.REMOTE_REJECTED, `REMOTE_REJECTED; stderr: ${r.stderr}`);
        const doc = JSON.parse(r.stdout) as { ok: boolean; code: string; error: string };
        t.match(doc, { ok: false, code: 'REMOTE_REJECTED' });
        t.match(
          doc.error,
          `beluga: ${call}: HTTP 400: the request was: ${method} /api/cdn/v2/ssl-certificates`,
          'the error still says what failed',
        );
        t.match(doc.error, /\[REDACTED\]/, 'what was quoted back is redacted');
        t.notMatch(doc.error, /\[REDAC?T?E?D?…/, 'the cut leaves no half label');
        t.match(r.stderr, `beluga-cert: REMOTE_REJECTED: beluga: ${call}: HTTP 400`);
        t.equal(sb.slackMessages.length, 1, 'Slack was told the failure');
        t.equal(sb.notify.telegram.messages.length, 1, 'Telegram was told the failure');
        t.equal(sb.notify.webhook.messages.length, 1, 'the webhook receiver was told the failure');
        t.match(sb.requests.at(-1)?.headers.authorization, auth === 'token' ? /^Token / : /^Basic /);
        await assertNothingLeaks(t, sb, e, r);
      },
    );
  }
}

t.test("retried 503s that quote the request: the last attempt's new signature is not shown either", async (t) => {
  const sb = await sandbox(t);
  sb.fault({ target: 'api', method: 'PUT', echo: true, status: 503, times: 2 });
  const e = env(sb, 'token', { BELUGA_RETRIES: '2' });
  const r = await runCli(['deploy', ...CERT], e);
  t.equal(r.code, EXIT.REMOTE_UNAVAILABLE, `REMOTE_UNAVAILABLE; stderr: ${r.stderr}`);
  const puts = sb.requests.filter((q) => q.method === 'PUT');
  t.equal(puts.length, 2);
  t.not(puts[0]!.headers.authorization, puts[1]!.headers.authorization, 'the retry was signed again');
  t.match(r.stderr, /HTTP 503: the request was: .*\[REDACTED\]/);
  await assertNothingLeaks(t, sb, e, r);
});

t.test(
  'notifier services that quote the request (their URL path in other cases, the signature header) are redacted',
  async (t) => {
    const sb = await sandbox(t);
    for (const target of ['slack', 'telegram', 'webhook'] as const) sb.fault({ target, echo: true, times: 3 });
    const e = env(sb, 'basic', { NOTIFY_TIMEOUT: '2' });
    const r = await runCli(['deploy', ...CERT, '--json'], e);
    t.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { notifications: Array<{ notifier: string; ok: boolean; detail: string }> };
    t.strictSame(
      doc.notifications.map((n) => [n.notifier, n.ok]),
      [
        ['slack', false],
        ['telegram', false],
        ['webhook', false],
      ],
    );
    for (const n of doc.notifications) t.match(n.detail, /^HTTP 400 /, `${n.notifier}: the answer is shown, redacted`);
    t.match(r.stderr, /warning: notify: slack failed: HTTP 400/);
    await assertNothingLeaks(t, sb, e, r);
  },
);

t.test('a user:password inside BELUGA_BASE_URL is never printed, raw or decoded, nor told to Slack', async (t) => {
  const sb = await sandbox(t);
  const userinfo = { user: 'beluga-url-user', password: 'url/pass@word-secret-55' };
  const baseUrl = `http://${userinfo.user}:${encodeURIComponent(userinfo.password)}@beluga.example.com`;
  const e = env(sb, 'token', { BELUGA_BASE_URL: baseUrl });
  const r = await runCli(['deploy', ...CERT, '--json'], e);
  t.equal(r.code, EXIT.CONFIG, `CONFIG; stderr: ${r.stderr}`);
  t.match(r.stderr, /CONFIG: BELUGA_BASE_URL must not hold a user name or password/);
  t.equal(sb.slackMessages.length, 1, 'Slack was told the failure');
  await assertNothingLeaks(t, sb, e, r, [
    userinfo.password,
    `${userinfo.user}:${encodeURIComponent(userinfo.password)}`,
    `${userinfo.user}:${userinfo.password}`,
  ]);
});

t.test('a user:password inside TELEGRAM_API_URL is never printed, raw or decoded', async (t) => {
  const sb = await sandbox(t);
  const password = 'tg/pass@word-secret-77';
  const e = env(sb, 'token', {
    TELEGRAM_API_URL: `http://tg-user:${encodeURIComponent(password)}@telegram.example.com`,
  });
  const r = await runCli(['deploy', ...CERT, '--json'], e);
  t.equal(r.code, EXIT.CONFIG, `CONFIG; stderr: ${r.stderr}`);
  t.match(
    r.stderr,
    /CONFIG: TELEGRAM_API_URL uses http:\/\/ to a non-loopback host \(http:\/\/\[REDACTED\]@telegram\.example\.com/,
  );
  await assertNothingLeaks(t, sb, e, r, [password, encodeURIComponent(password)]);
});

t.test(
  "sync: an upload quoted back leaves no secret in its lines, the journal, pending or the run's messages",
  async (t) => {
    const sb = await sandbox(t);
    const store = t.testdir({
      'example-tls': { 'tls.crt': fixtureText('rsa2048.bundle.crt'), 'tls.key': fixtureText('rsa2048.pkcs8.key') },
    });
    sb.fault({ target: 'api', method: 'PUT', echo: true });
    const e = env(sb, 'basic');
    const r = await runCli(['sync', '--dir', store], e);
    t.equal(r.code, EXIT.REMOTE_REJECTED, `REMOTE_REJECTED; stderr: ${r.stderr}`);
    t.match(
      r.stdout,
      /failed dir:example-tls: REMOTE_REJECTED: beluga: update certificate id=1001: HTTP 400: the request was: PUT .*\[REDACTED\]/,
    );
    t.equal(sb.slackMessages.length, 1, 'Slack was told the run');
    await assertNothingLeaks(t, sb, e, r);
  },
);

t.test(
  "an answer whose fields quote the key (a created record's id) reaches no notifier, no printed line, no journal",
  async (t) => {
    const sb = await startSandbox({ credentials: { ...TOKEN, ...BASIC }, records: [] });
    t.teardown(() => sb.close());
    const quoted = KEY_BODY.slice(64, 192);
    sb.fault({
      target: 'api',
      method: 'POST',
      status: 200,
      body: JSON.stringify({ id: quoted, names: ['example.com', 'www.example.com'] }),
    });
    const e = env(sb, 'token', { BELUGA_SITE: 'example-com' });
    const r = await runCli(['deploy', ...CERT, '--json'], e);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /upload: created Beluga certificate id=\[REDACTED\]/);
    t.match(JSON.parse(r.stdout), { ok: true, action: 'create', belugaId: '[REDACTED]' });
    t.equal(sb.slackMessages.length, 1, 'Slack was told the deploy');
    const secrets = secretsOf(sb);
    const outputs = {
      stdout: r.stdout,
      stderr: r.stderr,
      journal: await journalText(e.BELUGA_HOOK_STATE_DIR!),
      ...sinkTexts(sb),
    };
    for (const [name, text] of Object.entries(outputs))
      t.strictSame(leaks(text, secrets), [], `${name} holds no secret and nothing sent`);
  },
);

t.test('status and status --json: a list answer that quotes the request shows no credential', async (t) => {
  const sb = await sandbox(t);
  const store = t.testdir({
    'example-tls': { 'tls.crt': fixtureText('rsa2048.bundle.crt'), 'tls.key': fixtureText('rsa2048.pkcs8.key') },
  });
  sb.fault({ target: 'api', method: 'GET', echo: true, times: 2 });
  const e = env(sb, 'basic');
  const text = await runCli(['status', '--dir', store], e);
  const json = await runCli(['status', '--dir', store, '--json'], e);
  t.equal(text.code, 0, text.stderr);
  t.equal(json.code, 0, json.stderr);
  t.match(
    text.stdout,
    /warning: records unknown: beluga: list certificates: HTTP 400: the request was: GET .*\[REDACTED\]/,
  );
  t.match(JSON.parse(json.stdout), [{ problem: /records unknown: .*\[REDACTED\]/ }]);
  const secrets = secretsOf(sb);
  for (const [name, r] of Object.entries({ status: text, 'status --json': json })) {
    t.strictSame(leaks(r.stdout + r.stderr, secrets), [], `${name} holds no secret`);
  }
});

t.test(
  'doctor against an API and notifier services that quote every request back: --json and stderr stay clean',
  async (t) => {
    for (const auth of ['token', 'basic'] as const) {
      const sb = await sandbox(t);
      sb.fault({ target: 'api', method: 'GET', echo: true });
      for (const target of ['slack', 'telegram', 'webhook'] as const) sb.fault({ target, echo: true, times: 3 });
      const e = env(sb, auth, { NOTIFY_TIMEOUT: '2' });
      const r = await runCli(['doctor', '--send', '--json'], e);
      t.equal(r.code, EXIT.DOCTOR_PROBLEMS, `${auth}: DOCTOR_PROBLEMS; stderr: ${r.stderr}`);
      const doc = JSON.parse(r.stdout) as { checks: Array<{ level: string; check: string; text: string }> };
      const credentials = doc.checks.find((c) => c.check === 'credentials');
      t.match(
        credentials,
        { level: 'FAIL', text: /HTTP 400/ },
        `${auth}: the credentials check says what the API answered`,
      );
      t.match(credentials?.text, /\[REDACTED\]/, `${auth}: what was quoted back is redacted`);
      t.equal(sb.notify.webhook.requests.length > 0, true, `${auth}: --send reached the echoing webhook receiver`);
      for (const [name, text] of Object.entries({ stdout: r.stdout, stderr: r.stderr }))
        t.strictSame(leaks(text, secretsOf(sb)), [], `${auth}: doctor's ${name} holds no secret`);
    }
  },
);
