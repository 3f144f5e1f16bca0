import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startSandbox, formatSandboxBanner, type Sandbox, type SandboxOptions } from '../src/sandbox/index.js';
import { basic, call, fixture, json, JSON_TYPE } from './helpers/sandbox-http.js';

const API = '/api/cdn/v2/ssl-certificates';
const AUTH = basic('ops@example.com', 'pa:ss word');
const EC = { certificate: fixture('ec256.crt'), key: fixture('ec256.pkcs8.key') };
const RSA = { certificate: fixture('rsa2048.crt'), key: fixture('rsa2048.pkcs8.key') };
const CHAIN = fixture('chain.pem');

async function start(t: Test, extra: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const sb = await startSandbox({ credentials: { username: 'ops@example.com', password: 'pa:ss word' }, ...extra });
  t.teardown(() => sb.close());
  return sb;
}

function send(sb: Sandbox, method: string, path: string, body?: unknown) {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return call(sb.url, method, path, { ...AUTH, ...(text === undefined ? {} : JSON_TYPE) }, text);
}

t.test('list answers count and CERT objects derived from seeded certificates', async (t) => {
  const sb = await start(t, {
    records: [
      { id: 'a1', site: 'shop', certificate: EC.certificate, key: EC.key },
      { certificate: fixture('wildcard.crt') },
    ],
  });
  const res = await send(sb, 'GET', API);
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  const body = json(res);
  t.equal(body.count, 2);
  t.same(
    body.certificates.map((c: any) => [c.id, c.site, c.names, c.common_name]),
    [
      ['a1', 'shop', ['example.com', 'www.example.com'], 'example.com'],
      ['1000', 'default', ['*.example.com', 'example.com'], '*.example.com'],
    ],
  );
  const fields = Object.keys(body.certificates[0]).sort();
  t.same(fields, [
    'ciphers',
    'cname',
    'common_name',
    'enabled',
    'id',
    'names',
    'ocsp_expires',
    'protocols',
    'site',
    'status',
  ]);
  t.equal(body.certificates[0].enabled, true);
  t.match(body.certificates[0].ocsp_expires, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00$/);
});

t.test('create, read, update in both forms, delete', async (t) => {
  const sb = await start(t);
  const created = await send(sb, 'POST', API, { ...EC, chain: CHAIN, site: 'shop' });
  t.equal(created.status, 200, created.text);
  const cert = json(created);
  t.equal(cert.id, '1000');
  t.same(cert.names, ['example.com', 'www.example.com']);
  t.notOk('key' in cert, 'no key in the answer');
  t.notMatch(created.text, /PRIVATE KEY/);

  const read = await send(sb, 'GET', `${API}/1000`);
  t.same(json(read), cert);

  const bodyForm = await send(sb, 'PUT', API, { id: '1000', ...RSA });
  t.equal(bodyForm.status, 200, bodyForm.text);
  t.equal(json(bodyForm).id, '1000');
  t.equal(sb.records()[0]?.certificate, RSA.certificate);
  t.equal(sb.records()[0]?.chain, CHAIN, 'chain kept when the update has none');

  const numericId = await send(sb, 'PUT', API, { id: 1000, ...EC, chain: '' });
  t.equal(numericId.status, 200, 'a numeric id in the body finds a string id');
  t.equal(sb.records()[0]?.chain, '');

  const pathForm = await send(sb, 'PUT', `${API}/1000`, { ...fixture2('ec384') });
  t.equal(pathForm.status, 200, pathForm.text);
  t.same(json(pathForm).names, ['example.net', 'www.example.net']);
  t.equal(sb.records()[0]?.key, fixture('ec384.pkcs8.key'));

  const mismatch = await send(sb, 'PUT', `${API}/1000`, { id: '999', ...EC });
  t.equal(mismatch.status, 400, 'body id differing from the path id');

  const deleted = await send(sb, 'DELETE', `${API}/1000`);
  t.equal(deleted.status, 200);
  t.equal(json(deleted).result, 'success');
  t.same(sb.records(), []);
  t.equal(json(await send(sb, 'GET', API)).count, 0);
});

function fixture2(name: string) {
  return { certificate: fixture(`${name}.crt`), key: fixture(`${name}.pkcs8.key`) };
}

t.test('ids count up, as numbers with numericIds', async (t) => {
  const sb = await start(t, { numericIds: true, records: [{ id: 1500, certificate: EC.certificate }] });
  const created = json(await send(sb, 'POST', API, { ...RSA, site: 's' }));
  t.equal(created.id, 1501);
  t.equal(json(await send(sb, 'GET', API)).certificates[0].id, 1500);
  t.equal(json(await send(sb, 'PUT', API, { id: 1501, ...EC })).id, 1501);
  t.equal((await send(sb, 'PUT', API, { id: '1501', ...EC })).status, 200, 'string form of a numeric id');
});

t.test('unknown ids and paths are 404 JSON failures', async (t) => {
  const sb = await start(t);
  for (const [method, path, body] of [
    ['GET', `${API}/42`],
    ['DELETE', `${API}/42`],
    ['PUT', `${API}/42`, EC],
    ['PUT', API, { id: '42', ...EC }],
    ['GET', '/api/cdn/v2/sites'],
    ['GET', `${API}/`],
    ['GET', `${API}/1/2`],
    ['GET', '/'],
    ['GET', '/api/cdn/v1/ssl-certificates'],
  ] as const) {
    const res = await send(sb, method, path, body);
    t.equal(res.status, 404, `${method} ${path}`);
    t.equal(json(res).result, 'failure');
    t.type(json(res).message, 'string');
    t.type(json(res).error, 'string');
  }
});

t.test('bad bodies are 400 JSON failures', async (t) => {
  const sb = await start(t, { records: [{ certificate: EC.certificate }] });
  const cases: Array<[string, string, unknown, string]> = [
    ['POST', API, '{"certificate": ', 'invalid_json'],
    ['POST', API, '[1,2]', 'invalid_json'],
    ['POST', API, '', 'invalid_json'],
    ['POST', API, { ...EC }, 'missing_field'],
    ['POST', API, { certificate: EC.certificate, site: 's' }, 'missing_field'],
    ['PUT', API, { ...EC }, 'missing_field'],
    ['PUT', API, { id: { x: 1 }, ...EC }, 'invalid_field'],
    ['PUT', API, { id: '1000', certificate: 'not a cert', key: EC.key }, 'invalid_certificate'],
    ['PUT', API, { id: '1000', certificate: fixture('ec256.bundle.crt'), key: EC.key }, 'invalid_certificate'],
    ['PUT', API, { id: '1000', certificate: fixture('ec256.text.crt'), key: EC.key }, 'invalid_certificate'],
    ['PUT', API, { id: '1000', certificate: EC.certificate, key: 'junk' }, 'invalid_key'],
    ['PUT', API, { id: '1000', certificate: EC.certificate, key: fixture('encrypted-pkcs8.key') }, 'invalid_key'],
    ['PUT', API, { id: '1000', ...EC, chain: 42 }, 'invalid_field'],
    ['PUT', API, { id: '1000', ...EC, chain: EC.key }, 'invalid_chain'],
  ];
  for (const [method, path, body, error] of cases) {
    const res = await send(sb, method, path, body);
    t.equal(res.status, 400, `${error}: ${res.text}`);
    t.equal(json(res).error, error);
    t.notMatch(res.text, /PRIVATE KEY|BEGIN/, 'no PEM echoed back');
  }
  t.equal(sb.records()[0]?.certificate, EC.certificate, 'nothing changed');
});

t.test('a key that does not match the certificate is rejected', async (t) => {
  const sb = await start(t, { records: [{ certificate: EC.certificate }] });
  for (const key of [fixture('other.key'), RSA.key]) {
    const res = await send(sb, 'PUT', API, { id: '1000', certificate: EC.certificate, key });
    t.equal(res.status, 400);
    t.equal(json(res).error, 'key_mismatch');
  }
  const create = await send(sb, 'POST', API, { certificate: RSA.certificate, key: EC.key, site: 's' });
  t.equal(json(create).error, 'key_mismatch');
  t.equal(sb.records().length, 1);
});

t.test('names come from SAN DNS entries, or the CN when there are none', async (t) => {
  const sb = await start(t);
  const cn = json(
    await send(sb, 'POST', API, { certificate: fixture('cn-only.crt'), key: fixture('cn-only.key'), site: 's' }),
  );
  t.same(cn.names, ['legacy.example.com']);
  t.equal(cn.common_name, 'legacy.example.com');
  const multi = json(
    await send(sb, 'POST', API, { certificate: fixture('multi.crt'), key: fixture('multi.key'), site: 's' }),
  );
  t.same(multi.names, ['shop.example.org', 'example.org']);
});

t.test('bodies need Content-Type: application/json', async (t) => {
  const sb = await start(t, { records: [{ certificate: EC.certificate }] });
  const body = JSON.stringify({ id: '1000', ...RSA });
  for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
    const res = await call(sb.url, 'PUT', API, { ...AUTH, ...(type ? { 'Content-Type': type } : {}) }, body);
    t.equal(res.status, 415, String(type));
    t.equal(json(res).result, 'failure');
  }
  const charset = await call(sb.url, 'PUT', API, { ...AUTH, 'Content-Type': 'application/json; charset=utf-8' }, body);
  t.equal(charset.status, 200, 'parameters are allowed');
  const deleteWithBody = await call(sb.url, 'DELETE', `${API}/1000`, { ...AUTH, 'Content-Type': 'text/plain' }, 'x');
  t.equal(deleteWithBody.status, 415);
  t.equal(sb.records().length, 1);
});

t.test('other methods are 405 with Allow', async (t) => {
  const sb = await start(t);
  const res = await send(sb, 'PATCH', API, {});
  t.equal(res.status, 405);
  t.equal(res.headers['allow'], 'GET, POST, PUT');
  t.equal((await send(sb, 'POST', `${API}/1000`, {})).status, 405);
});

t.test('huge bodies are 413, and the server lives on', async (t) => {
  const sb = await start(t);
  const res = await call(sb.url, 'POST', API, { ...AUTH, ...JSON_TYPE }, Buffer.alloc(3 * 1024 * 1024, 0x20));
  t.equal(res.status, 413);
  t.equal(json(res).result, 'failure');
  t.equal((await send(sb, 'GET', API)).status, 200);
  const garbage = await call(sb.url, 'GET', '/api/cdn/v2/%ZZ', AUTH);
  t.equal(garbage.status, 404);
});

t.test('state file: loaded, rewritten atomically with mode 0600, seeds ignored when it exists', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const statePath = join(dir, 'state.json');
  const first = await startSandbox({
    credentials: { username: 'ops@example.com', password: 'pa:ss word' },
    statePath,
    records: [{ certificate: EC.certificate, key: EC.key }],
  });
  await send(first, 'POST', API, { ...RSA, site: 'shop' });
  await first.close();
  t.equal(statSync(statePath).mode & 0o777, 0o600);
  t.same(readdirSync(dir), ['state.json'], 'no temp file left behind');
  const saved = JSON.parse(readFileSync(statePath, 'utf8'));
  t.same(
    saved.certificates.map((c: any) => [c.id, c.site, c.key]),
    [
      ['1000', 'default', EC.key],
      ['1001', 'shop', RSA.key],
    ],
  );

  const second = await start(t, { statePath, records: [{ certificate: fixture('wildcard.crt') }] });
  t.same(
    second.records().map((r) => r.id),
    ['1000', '1001'],
    'state wins over seeds',
  );
  const next = json(await send(second, 'POST', API, { ...EC, site: 'shop' }));
  t.equal(next.id, '1002', 'ids continue after the stored ones');
  await send(second, 'DELETE', `${API}/1000`);
  t.same(
    JSON.parse(readFileSync(statePath, 'utf8')).certificates.map((c: any) => c.id),
    ['1001', '1002'],
  );

  writeFileSync(join(dir, 'broken.json'), '{"certificates":');
  await t.rejects(startSandbox({ credentials: {}, statePath: join(dir, 'broken.json') }), /not valid JSON/);
});

t.test('records() are deep copies', async (t) => {
  const sb = await start(t, { records: [{ certificate: EC.certificate, key: EC.key, chain: CHAIN }] });
  const copy = sb.records();
  copy[0]!.names.push('evil.example');
  copy[0]!.key = 'changed';
  t.same(sb.records()[0]?.names, ['example.com', 'www.example.com']);
  t.equal(sb.records()[0]?.key, EC.key);
  t.equal(sb.records()[0]?.chain, CHAIN);
});

t.test('requests are recorded; log lines never hold credentials, bodies or the webhook token', async (t) => {
  const lines: string[] = [];
  const sb = await start(t, { records: [{ certificate: EC.certificate }], log: (l) => lines.push(l) });
  await send(sb, 'PUT', `${API}?x=1`, { id: '1000', ...RSA });
  await call(sb.slackUrl, 'POST', new URL(sb.slackUrl).pathname, JSON_TYPE, '{"text":"hi"}');
  await call(sb.url, 'GET', API, basic('ops@example.com', 'wrong'));
  t.equal(sb.requests.length, 2);
  t.equal(sb.requests[0]?.method, 'PUT');
  t.equal(sb.requests[0]?.path, `${API}?x=1`);
  t.equal(sb.requests[0]?.headers['content-type'], 'application/json');
  t.same(JSON.parse(sb.requests[0]!.body).id, '1000');
  t.equal(sb.slackRequests.length, 1);
  // The 'close' event that logs can trail the answer by a tick.
  await new Promise((r) => setImmediate(r));
  t.same(lines, [`PUT ${API} 200`, 'POST /slack/services/*** 200', `GET ${API} 401`]);
  const token = sb.slackUrl.split('/').pop() as string;
  for (const line of lines) {
    t.notMatch(line, /pa:ss|Basic|PRIVATE|BEGIN/);
    t.notOk(line.includes(token));
  }
});

t.test('banner names the API and Slack URLs', async (t) => {
  const sb = await start(t);
  const lines = formatSandboxBanner(sb);
  t.ok(lines.some((l) => l.includes(`BELUGA_BASE_URL=${sb.url}`)));
  t.ok(lines.some((l) => l.includes(sb.slackUrl)));
  t.match(sb.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.match(sb.slackUrl, new RegExp(`^${sb.url}/slack/services/`));
});

t.test('malformed HTTP gets a 400 JSON answer and the server lives on', async (t) => {
  const sb = await start(t);
  const url = new URL(sb.url);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end('THIS IS NOT HTTP\r\n\r\n'));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
  t.match(answer, /^HTTP\/1\.1 400 /);
  t.match(answer, /"result":"failure"/);
  t.equal((await send(sb, 'GET', API)).status, 200);
});

t.test('PEM-shaped garbage is refused as a certificate or a chain', async (t) => {
  const sb = await start(t, { records: [{ certificate: EC.certificate }] });
  const garbage = '-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n';
  t.equal(
    json(await send(sb, 'PUT', API, { id: '1000', certificate: garbage, key: EC.key })).error,
    'invalid_certificate',
  );
  t.equal(json(await send(sb, 'PUT', API, { id: '1000', ...EC, chain: CHAIN + garbage })).error, 'invalid_chain');
  t.equal((await send(sb, 'PUT', API, { id: '1000', ...EC, chain: CHAIN })).status, 200);
});

t.test('seeded names override the certificate, for servers whose records disagree', async (t) => {
  const sb = await start(t, { records: [{ certificate: EC.certificate, names: ['old.example.com'] }] });
  const cert = json(await send(sb, 'GET', `${API}/1000`));
  t.same(cert.names, ['old.example.com']);
  t.equal(cert.common_name, 'old.example.com');
});

t.test('a failed state write answers 500 and changes nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const statePath = join(dir, 'gone', 'state.json');
  const sb = await start(t, { statePath, records: [{ certificate: EC.certificate }] });
  const res = await send(sb, 'PUT', API, { id: '1000', ...RSA });
  t.equal(res.status, 500);
  t.equal(json(res).result, 'failure');
  t.equal(sb.records()[0]?.certificate, EC.certificate);
  t.equal((await send(sb, 'GET', API)).status, 200);
  writeFileSync(join(dir, 'no-array.json'), '{"certs": []}');
  await t.rejects(startSandbox({ credentials: {}, statePath: join(dir, 'no-array.json') }), /no "certificates" array/);
});
