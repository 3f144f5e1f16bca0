import t from 'tap';
import { emailMessage, escapeHtml } from '../src/notify/email-message.js';
import type { FailureEvent, SyncEvent } from '../src/notify/types.js';
import { at, success } from './helpers/notify-kit.js';

const failure: FailureEvent = {
  domain: 'example.com',
  error: 'the private key does not belong to the certificate',
  code: 'KEY_MISMATCH',
  host: 'web1',
  at,
};

t.test('success: subject, the same facts as the Slack message, text and HTML', async (t) => {
  t.strictSame(emailMessage('success', success), {
    subject: 'Renewed SSL certificate for example.com, expires 2027-01-01',
    text: 'Renewed SSL certificate successfully\n\nDomain: example.com\nExpires: 2027-01-01 12:00 UTC (90 days left)\nBeluga id: 123\nHost: web1\n\n-- Certificate renewal, 2026-10-03 08:15 UTC\n',
    html:
      '<!DOCTYPE html>\n<html><body><p><strong>Renewed SSL certificate successfully</strong></p>\n' +
      '<table cellpadding="4"><tr><th align="left">Domain</th><td>example.com</td></tr>' +
      '<tr><th align="left">Expires</th><td>2027-01-01 12:00 UTC (90 days left)</td></tr>' +
      '<tr><th align="left">Beluga id</th><td>123</td></tr><tr><th align="left">Host</th><td>web1</td></tr></table>\n' +
      '<p><small>Certificate renewal, 2026-10-03 08:15 UTC</small></p></body></html>\n',
  });
});

t.test('success: created record, recovery and the edge check', async (t) => {
  const msg = emailMessage('success', {
    ...success,
    action: 'created',
    belugaId: '77',
    recovered: { since: new Date('2026-10-01T00:00:00Z'), failedAttempts: 3 },
    edge: { status: 'later', text: 'edge still serves\nthe old certificate', names: [] },
  });
  t.equal(msg.subject, 'Renewed SSL certificate for example.com (recovered), expires 2027-01-01');
  t.match(msg.text, 'Beluga id: 77 (created)\n');
  t.match(msg.text, 'Recovered: recovered after 3 failed attempt(s) since 2026-10-01 00:00 UTC\n');
  t.match(msg.text, 'Edge: edge still serves the old certificate\n', 'one line');
});

t.test('failure: error with its code, pending note', async (t) => {
  const msg = emailMessage('failure', { ...failure, pending: 'retried at the next run' });
  t.equal(msg.subject, 'SSL certificate deployment failed for example.com on host web1 (KEY_MISMATCH)');
  t.equal(
    msg.text,
    'SSL certificate deployment failed\n\nDomain: example.com\nHost: web1\nError: the private key does not belong to the certificate (KEY_MISMATCH)\nPending: retried at the next run\n\n-- Certificate renewal, 2026-10-03 08:15 UTC\n',
  );
  t.equal(
    emailMessage('failure', { ...failure, domain: undefined }).subject,
    'SSL certificate deployment failed on host web1 (KEY_MISMATCH)',
  );
});

t.test('HTML escapes every value; text keeps it as written', async (t) => {
  const msg = emailMessage('failure', {
    ...failure,
    domain: 'a&b.example',
    error: 'Beluga said <script>alert("x")</script>',
  });
  t.match(msg.html, '<td>a&amp;b.example</td>');
  t.match(msg.html, 'Beluga said &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; (KEY_MISMATCH)');
  t.notMatch(msg.html, '<script>');
  t.match(msg.text, 'Error: Beluga said <script>alert("x")</script> (KEY_MISMATCH)');
  t.equal(escapeHtml(`'&'`), '&#39;&amp;&#39;');
});

t.test('a subject is one line, capped, whatever the domain holds', async (t) => {
  const msg = emailMessage('failure', { ...failure, domain: `evil.example\r\nBcc: x@example.com ${'x'.repeat(300)}` });
  t.notMatch(msg.subject, /[\r\n]/);
  t.equal(msg.subject.length, 200);
  t.ok(msg.subject.endsWith('…'));
});

t.test('skipped and test messages', async (t) => {
  const skipped = emailMessage('skipped', {
    domain: 'example.com',
    names: ['example.com'],
    fingerprint256: 'AA',
    notAfter: success.notAfter,
    reason: 'already deployed to id 7 at 2026-10-01T00:00:00Z',
    host: 'web1',
    at,
  });
  t.equal(skipped.subject, 'SSL certificate for example.com is already deployed, nothing sent');
  t.match(
    skipped.text,
    /^SSL certificate already deployed\n\nDomain: example.com\nExpires: 2027-01-01 12:00 UTC \(90 days left\)\nHost: web1\nWhy: already deployed to id 7 at 2026-10-01T00:00:00Z\n/,
  );
  const test = emailMessage('test', { host: 'web1', at });
  t.equal(test.subject, 'Test message from beluga-cert on host web1');
  t.match(test.text, /^Test message from beluga-cert\n\nHost: web1\nResult: this notifier works\n/);
});

t.test('sync: counts in the subject, one line per certificate, long lists cut', async (t) => {
  const event: SyncEvent = {
    deployed: [{ label: 'a', domain: 'a.example', belugaId: '1', notAfter: success.notAfter }],
    failed: [{ label: 'b-label', code: 'KEY_MISMATCH', error: 'the key does not match' }],
    unchanged: 3,
    unmapped: 1,
    host: 'web1',
    at,
  };
  const msg = emailMessage('sync', event);
  t.equal(msg.subject, 'Certificate sync on host web1: 1 deployed, 1 failed, 3 unchanged, 1 unmapped');
  t.match(
    msg.text,
    'Deployed: a.example → id 1, expires 2027-01-01\nFailed: b-label: the key does not match (KEY_MISMATCH)\n',
  );
  const many = emailMessage('sync', {
    ...event,
    deployed: Array.from({ length: 130 }, (_, i) => ({
      label: `l${i}`,
      domain: `d${i}.example`,
      belugaId: `${i}`,
      notAfter: success.notAfter,
    })),
  });
  t.equal(many.text.match(/^Deployed: /gm)?.length, 101);
  t.match(many.text, 'Deployed: … and 30 more\n');
});
