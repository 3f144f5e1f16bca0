/**
 * The fault matrix: every way Beluga or Slack can fail, and for each the outcome a user gets —
 * exit code, what the journal holds afterwards, and what Slack was told. `deploy` runs as a child
 * process against the sandbox; retries are kept to 2 attempts so the matrix runs quickly.
 */
import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT, type ErrorCode } from '../src/errors.js';
import { startSandbox, type Fault } from './helpers/sandbox.js';
import { fixture, fixtureText, runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'fm-id', tokenSecret: 'fault-matrix-secret-0123' };
const args = ['deploy', '--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];

interface Row {
  name: string;
  faults: Fault[];
  env?: Record<string, string>;
  code: ErrorCode;
  /** What the journal holds for example.com afterwards. */
  journal: 'deployed' | 'pending';
  /** What Slack received: a success, a failure, or nothing accepted (a failed notification). */
  slack: 'success' | 'failure' | 'none';
  message?: RegExp;
}

const api = (f: Omit<Fault, 'target'>): Fault => ({ target: 'api', ...f });
const slack = (f: Omit<Fault, 'target'>): Fault => ({ target: 'slack', ...f });
const always = 10;

const rows: Row[] = [
  {
    name: '500 once, then fine: retried',
    faults: [api({ status: 500 })],
    code: 'OK',
    journal: 'deployed',
    slack: 'success',
  },
  {
    name: '500 on every attempt',
    faults: [api({ status: 500, times: always })],
    code: 'REMOTE_UNAVAILABLE',
    journal: 'pending',
    slack: 'failure',
    message: /HTTP 500/,
  },
  {
    name: '502 on every attempt',
    faults: [api({ status: 502, times: always })],
    code: 'REMOTE_UNAVAILABLE',
    journal: 'pending',
    slack: 'failure',
    message: /HTTP 502/,
  },
  {
    name: '503 on the PUT every attempt',
    faults: [api({ method: 'PUT', status: 503, times: always })],
    code: 'REMOTE_UNAVAILABLE',
    journal: 'pending',
    slack: 'failure',
    message: /update certificate id=1001: HTTP 503/,
  },
  {
    name: '429 with Retry-After 1, then fine',
    faults: [api({ status: 429, headers: { 'Retry-After': '1' } })],
    code: 'OK',
    journal: 'deployed',
    slack: 'success',
  },
  {
    name: '429 on every attempt',
    faults: [api({ status: 429, headers: { 'Retry-After': '1' }, times: always })],
    code: 'REMOTE_UNAVAILABLE',
    journal: 'pending',
    slack: 'failure',
    message: /HTTP 429/,
  },
  {
    name: '200 with result: failure on the PUT',
    faults: [api({ method: 'PUT', failure: true })],
    code: 'REMOTE_REJECTED',
    journal: 'pending',
    slack: 'failure',
    message: /refused \(result: failure/,
  },
  {
    name: 'an HTML page',
    faults: [api({ status: 502, body: '<html><h1>502 Bad Gateway</h1></html>', times: always })],
    code: 'REMOTE_UNAVAILABLE',
    journal: 'pending',
    slack: 'failure',
    message: /HTTP 502: <html><h1>502 Bad Gateway/,
  },
  {
    name: 'an empty body',
    faults: [api({ status: 200, body: '' })],
    code: 'REMOTE_UNAVAILABLE',
    journal: 'pending',
    slack: 'failure',
    message: /empty body: answer is not JSON/,
  },
  {
    name: 'a truncated body',
    faults: [api({ status: 200, body: '{"count": 1, "certificates": [{"id": "10' })],
    code: 'REMOTE_UNAVAILABLE',
    journal: 'pending',
    slack: 'failure',
    message: /answer is not JSON/,
  },
  {
    name: 'JSON of the wrong shape',
    faults: [api({ status: 200, body: '{"certificates": {"id": 1}}' })],
    code: 'REMOTE_UNAVAILABLE',
    journal: 'pending',
    slack: 'failure',
    message: /no "certificates" array/,
  },
  {
    name: 'a dropped connection, then fine',
    faults: [api({ drop: true })],
    code: 'OK',
    journal: 'deployed',
    slack: 'success',
  },
  {
    name: 'dropped connections on every attempt',
    faults: [api({ drop: true, times: always })],
    code: 'REMOTE_UNAVAILABLE',
    journal: 'pending',
    slack: 'failure',
    message: /connection failed/,
  },
  {
    name: 'slower than the timeout on every attempt',
    faults: [api({ delayMs: 4000, times: always })],
    env: { BELUGA_TIMEOUT: '0.3' },
    code: 'REMOTE_UNAVAILABLE',
    journal: 'pending',
    slack: 'failure',
    message: /no answer within 0.3 s/,
  },
  {
    name: '401',
    faults: [api({ status: 401 })],
    code: 'CREDENTIALS_REJECTED',
    journal: 'pending',
    slack: 'failure',
    message: /HTTP 401.*credentials rejected/,
  },
  {
    name: '403',
    faults: [api({ status: 403 })],
    code: 'CREDENTIALS_REJECTED',
    journal: 'pending',
    slack: 'failure',
    message: /HTTP 403.*credentials rejected/,
  },
  {
    name: '404 on the PUT',
    faults: [api({ method: 'PUT', status: 404 })],
    code: 'REMOTE_REJECTED',
    journal: 'pending',
    slack: 'failure',
    message: /HTTP 404/,
  },
  {
    name: 'Slack 400 invalid_payload',
    faults: [slack({ status: 400, body: 'invalid_payload' })],
    code: 'OK',
    journal: 'deployed',
    slack: 'none',
    message: /warning: notify: slack failed: HTTP 400 invalid_payload/,
  },
  {
    name: 'Slack 404 channel_not_found',
    faults: [slack({ status: 404, body: 'channel_not_found' })],
    code: 'OK',
    journal: 'deployed',
    slack: 'none',
    message: /slack failed: HTTP 404 channel_not_found/,
  },
  {
    name: 'Slack 429 once, then sent',
    faults: [slack({ status: 429, headers: { 'Retry-After': '1' } })],
    code: 'OK',
    journal: 'deployed',
    slack: 'success',
    message: /notify: slack: sent/,
  },
  {
    name: 'Slack 500 every attempt',
    faults: [slack({ status: 500, times: always })],
    code: 'OK',
    journal: 'deployed',
    slack: 'none',
    message: /slack failed: HTTP 500/,
  },
  {
    name: 'Slack timeout every attempt',
    faults: [slack({ delayMs: 3000, times: always })],
    env: { SLACK_TIMEOUT: '0.3' },
    code: 'OK',
    journal: 'deployed',
    slack: 'none',
    message: /slack failed: timeout after 3 attempts/,
  },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const sb = await startSandbox({
      credentials: TOKEN,
      records: [
        { id: '1001', site: 's', certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') },
      ],
    });
    t.teardown(() => sb.close());
    for (const f of row.faults) sb.fault(f);
    const state = tempStateDir();
    const r = await runCli(args, {
      BELUGA_BASE_URL: sb.url,
      BELUGA_TOKEN_ID: TOKEN.tokenId,
      BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
      SLACK_WEBHOOK_URL: sb.slackUrl,
      BELUGA_HOOK_STATE_DIR: state,
      BELUGA_RETRIES: '2',
      ...row.env,
    });
    t.equal(r.code, EXIT[row.code], `exit ${EXIT[row.code]} (${row.code}): ${r.stderr}`);
    if (row.message) t.match(r.stdout + r.stderr, row.message);
    if (row.code !== 'OK') {
      t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
      t.match(r.stderr, new RegExp(`^beluga-cert: ${row.code}: `));
    }
    const [file] = (await readdir(state)).filter((n) => n.endsWith('.json'));
    const entry = JSON.parse(await readFile(join(state, file!), 'utf8'));
    if (row.journal === 'deployed') {
      t.equal(entry.deployed?.recordId, '1001', 'journal: deployed to 1001');
      t.notOk(entry.pending, 'journal: nothing pending');
    } else {
      t.ok(entry.pending, 'journal: pending');
      t.notOk(entry.deployed, 'journal: not deployed');
      t.equal(entry.attempts.at(-1)?.code, row.code, 'journal: the failed attempt with its code');
    }
    const colours = sb.slackMessages.map((m) => (m as { attachments: Array<{ color: string }> }).attachments[0]!.color);
    const expected = { success: ['#36a64f'], failure: ['danger'], none: [] }[row.slack];
    t.same(colours, expected, `Slack: ${row.slack}`);
    if (row.slack === 'failure') t.match((sb.slackMessages[0] as { text: string }).text, /the certificate is pending/);
    t.notOk(
      (r.stdout + r.stderr).includes(TOKEN.tokenSecret) || (r.stdout + r.stderr).includes(sb.slackUrl),
      'no secret printed',
    );
  });
}
