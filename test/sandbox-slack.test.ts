import t, { type Test } from 'tap';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { call, JSON_TYPE } from './helpers/sandbox-http.js';

async function start(t: Test): Promise<Sandbox> {
  const sb = await startSandbox({ credentials: {} });
  t.teardown(() => sb.close());
  return sb;
}
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

t.test('accepts JSON and form-encoded payloads with text or attachments', async (t) => {
  const sb = await start(t);
  const path = new URL(sb.slackUrl).pathname;
  const attachment = {
    attachments: [
      { fallback: 'f', color: '#36a64f', fields: [{ title: 'Domain', value: 'example.com', short: true }] },
    ],
  };
  const sent: Array<[Record<string, string>, string]> = [
    [JSON_TYPE, JSON.stringify({ text: 'Renewed & <ok>' })],
    [{ 'Content-Type': 'application/json; charset=utf-8' }, JSON.stringify(attachment)],
    [FORM, new URLSearchParams({ payload: JSON.stringify({ text: 'form' }) }).toString()],
  ];
  for (const [headers, body] of sent) {
    const res = await call(sb.url, 'POST', path, headers, body);
    t.equal(res.status, 200, body);
    t.equal(res.text, 'ok');
    t.match(res.headers['content-type'], /^text\/plain/);
  }
  t.same(sb.slackMessages, [{ text: 'Renewed & <ok>' }, attachment, { text: 'form' }]);
  t.equal(sb.slackRequests.length, 3);
  t.equal(sb.requests.length, 0, 'Slack requests are kept apart from API requests');
});

t.test('answers Slack error codes', async (t) => {
  const sb = await start(t);
  const path = new URL(sb.slackUrl).pathname;
  const cases: Array<[string, string, Record<string, string>, string | undefined, number, string]> = [
    ['not JSON', path, JSON_TYPE, '{"text":', 400, 'invalid_payload'],
    ['a JSON array', path, JSON_TYPE, '["text"]', 400, 'invalid_payload'],
    ['a JSON string', path, JSON_TYPE, '"text"', 400, 'invalid_payload'],
    ['form without payload', path, FORM, 'text=hi', 400, 'invalid_payload'],
    ['no content type', path, {}, '{"text":"hi"}', 400, 'invalid_payload'],
    ['neither text nor attachments', path, JSON_TYPE, '{"channel":"#general"}', 400, 'no_text'],
    ['empty text', path, JSON_TYPE, '{"text":"","attachments":[]}', 400, 'no_text'],
    ['attachments not a list', path, JSON_TYPE, '{"text":"hi","attachments":{}}', 400, 'invalid_payload'],
    [
      'too many attachments',
      path,
      JSON_TYPE,
      JSON.stringify({ text: 'x', attachments: Array.from({ length: 101 }, () => ({ text: 'a' })) }),
      400,
      'too_many_attachments',
    ],
    ['unknown webhook', '/slack/services/T0/B0/wrong', JSON_TYPE, '{"text":"hi"}', 404, 'no_service'],
  ];
  for (const [why, p, headers, body, status, text] of cases) {
    const res = await call(sb.url, 'POST', p, headers, body);
    t.equal(res.status, status, why);
    t.equal(res.text, text, why);
  }
  const get = await call(sb.url, 'GET', path);
  t.equal(get.status, 405);
  const huge = await call(sb.url, 'POST', path, JSON_TYPE, Buffer.alloc(2 * 1024 * 1024, 0x20));
  t.equal(huge.status, 413);
  t.same(sb.slackMessages, []);
  t.equal(sb.slackRequests.length, cases.length + 2);
});
