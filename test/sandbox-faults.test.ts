import t, { type Test } from 'tap';
import { request } from 'node:http';
import { startSandbox, type Sandbox } from './helpers/sandbox.js';
import { basic, call, fixture, json, JSON_TYPE } from './helpers/sandbox-http.js';

const API = '/api/cdn/v2/ssl-certificates';
const AUTH = basic('u', 'p');
const EC = { certificate: fixture('ec256.crt'), key: fixture('ec256.pkcs8.key') };

async function start(t: Test): Promise<Sandbox> {
  const sb = await startSandbox({
    credentials: { username: 'u', password: 'p' },
    records: [{ certificate: EC.certificate }],
  });
  t.teardown(() => sb.close());
  return sb;
}
const list = (sb: Sandbox) => call(sb.url, 'GET', API, AUTH);
const slackPath = (sb: Sandbox) => new URL(sb.slackUrl).pathname;
const postSlack = (sb: Sandbox, body = '{"text":"hi"}') => call(sb.url, 'POST', slackPath(sb), JSON_TYPE, body);

t.test('status fault: JSON failure by default, once by default, then normal', async (t) => {
  const sb = await start(t);
  sb.fault({ target: 'api', status: 503, headers: { 'Retry-After': '1' } });
  const faulted = await list(sb);
  t.equal(faulted.status, 503);
  t.equal(faulted.headers['retry-after'], '1');
  t.equal(json(faulted).result, 'failure');
  t.equal((await list(sb)).status, 200);
  t.equal(sb.requests.length, 2, 'faulted requests are recorded');
});

t.test('raw body fault: an HTML page from a proxy', async (t) => {
  const sb = await start(t);
  sb.fault({ target: 'api', status: 502, body: '<html>Bad Gateway</html>' });
  const res = await list(sb);
  t.equal(res.status, 502);
  t.equal(res.text, '<html>Bad Gateway</html>');
  t.match(res.headers['content-type'], /text\/html/);
  sb.fault({ target: 'api', body: '{"count": "many"}' });
  const odd = await list(sb);
  t.equal(odd.status, 200);
  t.match(odd.headers['content-type'], /application\/json/);
});

t.test('failure fault: HTTP 200 with result failure, and nothing changes', async (t) => {
  const sb = await start(t);
  sb.fault({ target: 'api', failure: true, method: 'PUT' });
  const res = await call(
    sb.url,
    'PUT',
    API,
    { ...AUTH, ...JSON_TYPE },
    JSON.stringify({ id: '1000', certificate: fixture('rsa2048.crt'), key: fixture('rsa2048.pkcs8.key') }),
  );
  t.equal(res.status, 200);
  t.equal(json(res).result, 'failure');
  t.type(json(res).message, 'string');
  t.type(json(res).error, 'string');
  t.equal(sb.records()[0]?.certificate, EC.certificate);
});

t.test('method filter, times, FIFO and clearFaults', async (t) => {
  const sb = await start(t);
  sb.fault({ target: 'api', method: 'put', status: 500 });
  sb.fault({ target: 'api', status: 429, times: 2 });
  sb.fault({ target: 'api', status: 418 });
  sb.fault({ target: 'slack', status: 500 });
  t.equal((await list(sb)).status, 429, 'a PUT fault skips a GET');
  t.equal((await list(sb)).status, 429);
  t.equal((await list(sb)).status, 418, 'used-up faults leave the queue');
  t.equal((await call(sb.url, 'PUT', API, AUTH)).status, 500, 'method matched case-insensitively');
  t.equal((await list(sb)).status, 200);
  sb.fault({ target: 'api', status: 500, times: 5 });
  sb.clearFaults();
  t.equal((await list(sb)).status, 200);
  t.equal((await postSlack(sb)).status, 200, 'clearFaults cleared the Slack fault too');
  t.throws(() => sb.fault({ target: 'api', times: 0 }));
});

t.test('delay fault answers normally after the delay, or with the fault', async (t) => {
  const sb = await start(t);
  sb.fault({ target: 'api', delayMs: 50 });
  const delayed = await list(sb);
  t.equal(delayed.status, 200);
  t.equal(json(delayed).count, 1);
  sb.fault({ target: 'api', delayMs: 20, status: 504 });
  t.equal((await list(sb)).status, 504);
});

t.test('drop fault: the socket closes without an answer', async (t) => {
  const sb = await start(t);
  sb.fault({ target: 'api', drop: true });
  await t.rejects(list(sb), /socket hang up|ECONNRESET/);
  t.equal((await list(sb)).status, 200);
  sb.fault({ target: 'slack', drop: true });
  await t.rejects(postSlack(sb));
  t.equal(sb.slackRequests.length, 1);
  t.same(sb.slackMessages, [], 'a dropped message is not accepted');
});

t.test('slack faults answer Slack-style text', async (t) => {
  const sb = await start(t);
  sb.fault({ target: 'slack', status: 429, headers: { 'Retry-After': '2' } });
  sb.fault({ target: 'slack', status: 404 });
  sb.fault({ target: 'slack', failure: true });
  const limited = await postSlack(sb);
  t.equal(limited.status, 429);
  t.equal(limited.headers['retry-after'], '2');
  t.equal(limited.text, 'rate_limited');
  t.same([(await postSlack(sb)).text], ['channel_not_found']);
  const failure = await postSlack(sb);
  t.equal(failure.status, 200);
  t.not(failure.text, 'ok');
  t.same(sb.slackMessages, []);
  t.equal((await postSlack(sb)).text, 'ok');
  t.equal(sb.slackMessages.length, 1);
});

t.test('close resolves with a delayed request pending', async (t) => {
  const sb = await startSandbox({ credentials: { username: 'u', password: 'p' } });
  sb.fault({ target: 'api', delayMs: 3_600_000 });
  const url = new URL(sb.url);
  const pending = new Promise<string>((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: API, headers: AUTH }, () => resolve('answered'));
    req.on('error', () => resolve('closed'));
    req.end();
  });
  // Wait until the sandbox holds the request, so close() really has a delay to cut short.
  for (let i = 0; i < 10_000 && sb.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(sb.requests.length, 1);
  await sb.close();
  t.equal(await pending, 'closed');
});
