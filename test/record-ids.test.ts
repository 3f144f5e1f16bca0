/**
 * Record ids reach the PUT exactly as Beluga sent them, or the deploy stops before any upload:
 * a numeric id past 2^53 (JSON.parse rounds 9007199254740993 to ...992, the id of another
 * record) and an id given to two records are refused. `beluga-cert deploy` runs as a child
 * against a raw local server, since the sandbox cannot write such numbers.
 */
import t, { type Test } from 'tap';
import { EXIT } from '../src/errors.js';
import { listText, sendJson, startRawServer, type RawServer } from './helpers/raw-server.js';
import { fixture, runCli } from './helpers/run-cli.js';

const cert = ['--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];
const ours = ['example.com', 'www.example.com'];

async function beluga(t: Test, list: string): Promise<RawServer> {
  const server = await startRawServer((req, res) => sendJson(res, 200, req.method === 'GET' ? list : '{}'));
  t.teardown(() => server.close());
  return server;
}

const env = (server: RawServer, extra: Record<string, string> = {}) => ({
  BELUGA_BASE_URL: server.url,
  BELUGA_USERNAME: 'ops@example.com',
  BELUGA_PASSWORD: 'basic-password-987',
  BELUGA_RETRIES: '1',
  ...extra,
});

const puts = (server: RawServer) => server.requests.filter((r) => r.method === 'PUT');

t.test('numeric ids past 2^53 are refused before any upload, not rounded onto another record', async (t) => {
  const server = await beluga(
    t,
    listText([
      { id: '9007199254740993', names: ours },
      { id: '9007199254740992', names: ['other.example'] },
    ]),
  );
  const r = await runCli(['deploy', ...cert], env(server));
  t.equal(r.code, EXIT.REMOTE_UNAVAILABLE, r.stderr);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
  t.match(
    r.stderr,
    /REMOTE_UNAVAILABLE: beluga: list certificates: entry 0 \(example\.com, www\.example\.com\) has a numeric id that cannot be read exactly/,
  );
  t.same(puts(server), [], 'no PUT at all');
});

t.test('string ids are kept exactly, however large, and BELUGA_CERT_ID matches them exactly', async (t) => {
  const list = listText([
    { id: '"9007199254740993"', names: ours },
    { id: '"9007199254740992"', names: ours },
  ]);
  const pinned = await beluga(t, list);
  const r = await runCli(['deploy', ...cert], env(pinned, { BELUGA_CERT_ID: '9007199254740993' }));
  t.equal(r.code, 0, r.stderr);
  t.equal(puts(pinned).length, 1);
  t.equal(JSON.parse(puts(pinned)[0].body).id, '9007199254740993', 'the PUT names the pinned record, digit for digit');

  const byName = await beluga(
    t,
    listText([
      { id: '"9007199254740993"', names: ours },
      { id: '"9007199254740992"', names: ['other.example'] },
    ]),
  );
  const r2 = await runCli(['deploy', ...cert], env(byName));
  t.equal(r2.code, 0, r2.stderr);
  t.equal(JSON.parse(puts(byName)[0].body).id, '9007199254740993');

  // A safe numeric id still goes back as the number it was.
  const numeric = await beluga(t, listText([{ id: '9007199254740991', names: ours }]));
  const r3 = await runCli(['deploy', ...cert], env(numeric));
  t.equal(r3.code, 0, r3.stderr);
  t.match(puts(numeric)[0].body, /^\{"id":9007199254740991,/);
});

t.test('a list giving one id to two records is refused before any upload', async (t) => {
  for (const [a, b] of [
    ['"1001"', '"1001"'],
    ['1001', '"1001"'],
  ]) {
    const server = await beluga(
      t,
      listText([
        { id: a, names: ['other.example'] },
        { id: b, names: ours },
      ]),
    );
    const r = await runCli(['deploy', ...cert], env(server));
    t.equal(r.code, EXIT.REMOTE_UNAVAILABLE, `${a}, ${b}: ${r.stderr}`);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
    t.match(r.stderr, /beluga: list certificates: id 1001 is given to two certificates \(entries 0 and 1\)/);
    t.same(puts(server), [], 'no PUT at all');
  }
});
