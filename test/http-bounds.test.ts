/**
 * Every read from the network is bounded: a huge answer is refused past its cap with one clear
 * line and a bounded peak memory (VmHWM of the child, through bench/max-rss.cjs), a body that
 * trickles forever ends at the request timeout, and a redirect is reported with its target host,
 * never followed (the PUT carries the private key) and never retried. Each case runs the CLI as a
 * child against a raw local server.
 */
import t, { type Test } from 'tap';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/errors.js';
import { listText, sendJson, startRawServer, type Answer, type RawServer } from './helpers/raw-server.js';
import { fixture, ROOT, runCli } from './helpers/run-cli.js';

const MiB = 1024 * 1024;
const cert = ['--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];
const ours = ['example.com', 'www.example.com'];

async function server(t: Test, answer: Answer): Promise<RawServer> {
  const s = await startRawServer(answer);
  t.teardown(() => s.close());
  return s;
}

const env = (s: RawServer | string, extra: Record<string, string> = {}) => ({
  BELUGA_BASE_URL: typeof s === 'string' ? s : s.url,
  BELUGA_USERNAME: 'ops@example.com',
  BELUGA_PASSWORD: 'basic-password-987',
  ...extra,
});

/** Writes `total` bytes of a valid list answer, 1 MiB at a time, as fast as the reader takes them. */
async function hugeList(res: ServerResponse, total: number): Promise<void> {
  const record = '{"id":"1","names":["x.example"]},';
  const chunk = record.repeat(Math.floor(MiB / record.length));
  res.writeHead(200, { 'Content-Type': 'application/json' }); // chunked: no length to refuse by
  res.write('{"certificates":[');
  for (let sent = 0; sent < total && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  if (!res.destroyed) res.end('{"id":"0","names":["z.example"]}]}');
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

t.test('a list answer far past 64 MiB ends in one line, with bounded peak memory', async (t) => {
  const s = await server(t, (_req, res) => void hugeList(res, 320 * MiB));
  const dir = await mkdtemp(join(tmpdir(), 'bch-rss-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const rssFile = join(dir, 'kb');
  const r = await runCli(
    ['deploy', ...cert],
    env(s, {
      BELUGA_RETRIES: '4',
      NODE_OPTIONS: `--require ${join(ROOT, 'bench/max-rss.cjs')}`,
      BENCH_RSS_FILE: rssFile,
    }),
  );
  t.equal(r.code, EXIT.REMOTE_UNAVAILABLE, r.stderr);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
  t.match(
    r.stderr,
    /REMOTE_UNAVAILABLE: beluga: list certificates: the answer is larger than 64 MiB; not read further/,
  );
  t.equal(s.requests.length, 1, 'not asked again: the same list would come back');
  const peakMiB = Number(await readFile(rssFile, 'utf8')) / 1024;
  t.comment(`peak RSS ${Math.round(peakMiB)} MiB`);
  // Node itself, 64 MiB of body and its copy; reading all 320 MiB costs over 1 GiB.
  t.ok(peakMiB < 320, `peak RSS ${Math.round(peakMiB)} MiB stays under the body's size`);
});

t.test('a body that trickles forever ends at the request timeout (BELUGA_TIMEOUT), reading included', async (t) => {
  const timers = new Set<NodeJS.Timeout>();
  t.teardown(() => timers.forEach(clearInterval));
  const s = await server(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"certificates":[');
    const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 100);
    timers.add(timer);
  });
  const r = await runCli(['deploy', ...cert], env(s, { BELUGA_TIMEOUT: '1', BELUGA_RETRIES: '1' }));
  t.equal(r.code, EXIT.REMOTE_UNAVAILABLE, r.stderr);
  t.match(r.stderr, /beluga: list certificates: no answer within 1 s/);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
});

t.test('a notifier answer past 1 MiB is refused unread, and not asked again', async (t) => {
  const s = await server(t, (_req, res) => sendJson(res, 200, `"${'x'.repeat(4 * MiB)}"`));
  const r = await runCli(['notify-test'], { SLACK_WEBHOOK_URL: `${s.url}/services/T0/B0/bounded-secret-token` });
  t.equal(r.code, EXIT.NOTIFY_FAILED, r.stdout + r.stderr);
  t.match(r.stdout, /FAILED slack: the answer is larger than 1 MiB; not read further/);
  t.equal(s.requests.length, 1);
});

t.test('a redirect is refused with its target host, never followed nor retried, the key never sent on', async (t) => {
  const elsewhere = await server(t, (req, res) =>
    sendJson(res, 200, req.method === 'GET' ? listText([{ id: '"1001"', names: ours }]) : '{}'),
  );
  const redirectTo =
    (status: number, target: (path: string) => string): Answer =>
    (req, res) => {
      res.writeHead(status, { Location: target(req.path), 'Content-Length': '0' });
      res.end();
    };
  for (const status of [301, 302, 307, 308]) {
    const s = await server(
      t,
      redirectTo(status, (path) => `${elsewhere.url}${path}`),
    );
    const r = await runCli(['deploy', ...cert], env(s));
    t.equal(r.code, EXIT.REMOTE_REJECTED, r.stderr);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
    t.match(
      r.stderr,
      new RegExp(
        `beluga: list certificates: answered HTTP ${status}, a redirect to 127\\.0\\.0\\.1:\\d+, which is never followed; check BELUGA_BASE_URL`,
      ),
    );
    t.notMatch(r.stderr, /connection failed/);
    t.equal(s.requests.length, 1, `HTTP ${status}: asked once, not retried`);
  }
  t.same(elsewhere.requests, [], 'the redirect target never heard from us');

  // The list is fine, the key-carrying PUT is redirected: the key goes nowhere else.
  const put = await server(t, (req, res) =>
    req.method === 'GET'
      ? sendJson(res, 200, listText([{ id: '"1001"', names: ours }]))
      : redirectTo(307, () => 'https://cdn-elsewhere.example/upload')(req, res),
  );
  const r = await runCli(['deploy', ...cert], env(put));
  t.equal(r.code, EXIT.REMOTE_REJECTED, r.stderr);
  t.match(
    r.stderr,
    /beluga: update certificate id=1001: answered HTTP 307, a redirect to cdn-elsewhere\.example, which is never followed/,
  );
  t.same(
    put.requests.map((q) => q.method),
    ['GET', 'PUT'],
    'the PUT is sent once, not retried',
  );

  const slack = await server(
    t,
    redirectTo(302, () => 'https://hooks.elsewhere.example/secret-path'),
  );
  const n = await runCli(['notify-test'], { SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/redirect-secret-token` });
  t.equal(n.code, EXIT.NOTIFY_FAILED, n.stdout + n.stderr);
  t.match(
    n.stdout,
    /FAILED slack: answered HTTP 302, a redirect to hooks\.elsewhere\.example, which is never followed/,
  );
  t.notMatch(n.stdout + n.stderr, /secret-path|redirect-secret-token/);
  t.equal(slack.requests.length, 1, 'Slack asked once');
});
