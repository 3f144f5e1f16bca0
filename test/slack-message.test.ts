import t from 'tap';
import { daysLeft, failureFacts, skippedFacts, successFacts, testFacts } from '../src/notify/message-facts.js';
import {
  escapeSlack,
  renderForTerminal,
  slackPayload,
  NEUTRAL_COLOR,
  type SlackStyle,
} from '../src/notify/slack-message.js';
import type { FailureEvent, SkippedEvent, SuccessEvent, TestEvent } from '../src/notify/types.js';
import { at, success } from './helpers/notify-kit.js';

// Each kind's Slack message: its facts (message-facts.ts) drawn by the one Slack renderer.
const successMessage = (e: SuccessEvent, style: SlackStyle) => slackPayload(successFacts(e), style);
const failureMessage = (e: FailureEvent, style: SlackStyle) => slackPayload(failureFacts(e), style);
const skippedMessage = (e: SkippedEvent, style: SlackStyle) => slackPayload(skippedFacts(e), style);
const testMessage = (e: TestEvent, style: SlackStyle) => slackPayload(testFacts(e), style);

const failure: FailureEvent = {
  domain: 'example.com',
  error: 'the private key does not belong to the certificate',
  code: 'KEY_MISMATCH',
  host: 'web1',
  at,
};

t.test('success message: the 2017 look plus expiry, id and host', async (t) => {
  const text = 'Renewed SSL certificate for example.com on Beluga (id 123), expires 2027-01-01 on host web1';
  t.strictSame(successMessage(success, {}), {
    text,
    attachments: [
      {
        fallback: text,
        color: '#36a64f',
        pretext: 'Renewed SSL certificate successfully',
        fields: [
          { title: 'Domain', value: 'example.com', short: true },
          { title: 'Expires', value: '2027-01-01 12:00 UTC (90 days left)', short: true },
          { title: 'Beluga id', value: '123', short: true },
          { title: 'Host', value: 'web1', short: true },
        ],
        footer: 'Certificate renewal',
        ts: 1791015342,
      },
    ],
  });
});

t.test('success message says when the Beluga record was created', async (t) => {
  const msg = successMessage({ ...success, action: 'created', belugaId: '77' }, {});
  t.equal(
    msg.text,
    'Renewed SSL certificate for example.com on Beluga (id 77, created), expires 2027-01-01 on host web1',
  );
  t.strictSame(msg.attachments[0]!.fields[2], { title: 'Beluga id', value: '77 (created)', short: true });
});

t.test('channel, username and icon appear only when set', async (t) => {
  const bare = successMessage(success, {});
  t.notOk('channel' in bare);
  t.notOk('username' in bare);
  t.notOk('icon_emoji' in bare);
  const styled = failureMessage(failure, { channel: '#general', username: 'Job information', iconEmoji: ':osmc:' });
  t.equal(styled.channel, '#general');
  t.equal(styled.username, 'Job information');
  t.equal(styled.icon_emoji, ':osmc:');
  t.notOk('channel' in successMessage(success, { channel: '', username: 'x' }), 'empty channel is not sent');
});

t.test('failure message: red, Domain/Host/Error fields, code in brackets', async (t) => {
  const text =
    'SSL certificate deployment failed for example.com on host web1: ' +
    'the private key does not belong to the certificate (KEY_MISMATCH)';
  t.strictSame(failureMessage(failure, {}), {
    text,
    attachments: [
      {
        fallback: text,
        color: 'danger',
        pretext: 'SSL certificate deployment failed',
        fields: [
          { title: 'Domain', value: 'example.com', short: true },
          { title: 'Host', value: 'web1', short: true },
          { title: 'Error', value: 'the private key does not belong to the certificate (KEY_MISMATCH)', short: false },
        ],
        footer: 'Certificate renewal',
        ts: 1791015342,
      },
    ],
  });
});

t.test('failure without a known domain leaves the Domain field out', async (t) => {
  const msg = failureMessage({ ...failure, domain: undefined, error: 'bad\n  usage', code: 'USAGE' }, {});
  t.equal(msg.text, 'SSL certificate deployment failed on host web1: bad usage (USAGE)');
  t.strictSame(
    msg.attachments[0]!.fields.map((f) => f.title),
    ['Host', 'Error'],
  );
});

t.test('& < > are escaped in every text field, and nothing else is', async (t) => {
  t.equal(escapeSlack(`a&b<c>d "e" 'f' *g* _h_`), `a&amp;b&lt;c&gt;d "e" 'f' *g* _h_`);
  const msg = failureMessage(
    { domain: 'a&b.example', error: 'Beluga said <html> & "quit"', code: 'REMOTE_REJECTED', host: 'h<1>', at },
    {},
  );
  const a = msg.attachments[0]!;
  const texts = [msg.text, a.fallback, a.pretext, a.footer, ...a.fields.flatMap((f) => [f.title, f.value])];
  for (const s of texts) t.notMatch(s, /[<>]|&(?!amp;|lt;|gt;)/, `escaped: ${s}`);
  t.equal(a.fields[0]!.value, 'a&amp;b.example');
  t.equal(a.fields[1]!.value, 'h&lt;1&gt;');
  t.equal(a.fields[2]!.value, 'Beluga said &lt;html&gt; &amp; "quit" (REMOTE_REJECTED)');
  t.equal(
    msg.text,
    'SSL certificate deployment failed for a&amp;b.example on host h&lt;1&gt;: Beluga said &lt;html&gt; &amp; "quit" (REMOTE_REJECTED)',
  );
  const ok = successMessage({ ...success, domain: 'x&y', host: '<h>' }, {});
  t.equal(ok.attachments[0]!.fields[0]!.value, 'x&amp;y');
  t.match(ok.text, 'for x&amp;y on Beluga');
  t.match(ok.attachments[0]!.fallback, 'on host &lt;h&gt;');
});

t.test('days left: rounded down, singular, expired', async (t) => {
  t.equal(daysLeft(new Date('2026-01-02T00:00:00Z'), new Date('2026-01-01T00:00:00Z')), '1 day left');
  t.equal(daysLeft(new Date('2026-01-02T23:59:00Z'), new Date('2026-01-01T00:00:00Z')), '1 day left');
  t.equal(daysLeft(new Date('2026-01-01T10:00:00Z'), new Date('2026-01-01T00:00:00Z')), '0 days left');
  t.equal(daysLeft(new Date('2025-12-31T00:00:00Z'), new Date('2026-01-01T00:00:00Z')), 'expired');
});

t.test('renderForTerminal reads like Slack shows it: pretext, fields, footer', async (t) => {
  t.strictSame(renderForTerminal(successMessage({ ...success, host: 'a&b' }, {})), [
    'Renewed SSL certificate successfully',
    '  Domain: example.com',
    '  Expires: 2027-01-01 12:00 UTC (90 days left)',
    '  Beluga id: 123',
    '  Host: a&b',
    '  -- Certificate renewal',
  ]);
  t.strictSame(renderForTerminal(failureMessage({ ...failure, domain: undefined }, {})), [
    'SSL certificate deployment failed',
    '  Host: web1',
    '  Error: the private key does not belong to the certificate (KEY_MISMATCH)',
    '  -- Certificate renewal',
  ]);
  t.strictSame(renderForTerminal({ text: 'plain &amp; simple', attachments: [] }), ['plain & simple']);
});

t.test('a pending failure says when it will be retried; a recovery says it recovered', async (t) => {
  const at = new Date('2026-11-27T12:00:00Z');
  const fail = failureMessage(
    {
      domain: 'example.com',
      error: 'beluga: list certificates: HTTP 503',
      code: 'REMOTE_UNAVAILABLE',
      host: 'web1',
      at,
      pending: 'the certificate is pending: beluga-cert retry deploys it within 5 minutes',
    },
    {},
  );
  t.match(
    fail.text,
    /HTTP 503 \(REMOTE_UNAVAILABLE\); the certificate is pending: beluga-cert retry deploys it within 5 minutes$/,
  );
  t.same(fail.attachments[0].fields.at(-1), {
    title: 'Pending',
    value: 'the certificate is pending: beluga-cert retry deploys it within 5 minutes',
    short: false,
  });
  const ok = successMessage(
    {
      domain: 'example.com',
      names: ['example.com'],
      belugaId: '7',
      action: 'updated',
      notAfter: new Date('2027-02-25T00:00:00Z'),
      fingerprint256: 'AA',
      host: 'web1',
      at,
      recovered: { since: new Date('2026-11-27T11:00:00Z'), failedAttempts: 3 },
    },
    {},
  );
  t.match(ok.text, /; recovered after 3 failed attempt\(s\) since 2026-11-27 11:00 UTC$/);
  t.same(ok.attachments[0].fields.at(-1), {
    title: 'Recovered',
    value: 'recovered after 3 failed attempt(s) since 2026-11-27 11:00 UTC',
    short: false,
  });
  t.equal(ok.attachments[0].pretext, 'Renewed SSL certificate successfully');
});

t.test('the edge check joins the success message as its own field, escaped, absent when not checked', async (t) => {
  const plain = successMessage(success, {});
  t.notOk(
    plain.attachments[0]!.fields.some((f) => f.title === 'Edge'),
    'no Edge field without a check',
  );
  const edge = { status: 'checked' as const, text: 'live on the edge after 14 s <all 2 names>', names: [] };
  const msg = successMessage({ ...success, edge }, {});
  const field = msg.attachments[0]!.fields.find((f) => f.title === 'Edge');
  t.equal(field?.value, 'live on the edge after 14 s &lt;all 2 names&gt;');
  t.equal(field?.short, false);
});

t.test('skipped and test messages: grey, say what they are, escaped', async (t) => {
  const at = new Date('2026-11-27T10:00:00Z');
  const skipped = skippedMessage(
    {
      domain: 'a&b.example',
      names: ['a&b.example'],
      fingerprint256: 'AA',
      notAfter: new Date('2027-01-26T10:00:00Z'),
      reason: 'already deployed to id <7>',
      host: 'h1',
      at,
    },
    {},
  );
  const a = skipped.attachments[0]!;
  t.equal(a.color, NEUTRAL_COLOR);
  t.equal(a.pretext, 'SSL certificate already deployed');
  t.equal(
    skipped.text,
    'SSL certificate for a&amp;b.example is already deployed, nothing sent (host h1): already deployed to id &lt;7&gt;',
  );
  t.same(
    a.fields.map((f) => f.title),
    ['Domain', 'Expires', 'Host', 'Why'],
  );
  t.equal(a.fields[1]!.value, '2027-01-26 10:00 UTC (60 days left)');
  const test = testMessage({ host: 'h<2>', at }, { channel: '#ops' });
  t.equal(test.channel, '#ops');
  t.equal(test.text, 'Test message from beluga-cert on host h&lt;2&gt;: this notifier works');
  t.equal(test.attachments[0]!.ts, Math.floor(at.getTime() / 1000));
});
