import t from 'tap';
import { createOutput, createRedactor } from '../src/redact.js';

t.test('secrets are replaced wherever they appear, longest first', async (t) => {
  const r = createRedactor(['abcd1234', 'abcd1234-longer', 'xy']);
  t.equal(r('a abcd1234-longer b abcd1234 c'), 'a [REDACTED] b [REDACTED] c');
  t.equal(r('xy is too short to be a secret'), 'xy is too short to be a secret');
  t.equal(createRedactor([])('unchanged'), 'unchanged');
});

t.test('output lines pass through the redactor, including secrets learnt later', async (t) => {
  const out: string[] = [];
  const err: string[] = [];
  const o = createOutput({ write: (s: string) => out.push(s) }, { write: (s: string) => err.push(s) }, [
    'first-secret',
  ]);
  o.info('token first-secret');
  o.addSecrets(['later-secret']);
  o.error('oops later-secret and first-secret');
  t.same(out, ['token [REDACTED]\n']);
  t.same(err, ['oops [REDACTED] and [REDACTED]\n']);
  t.equal(o.redact('to Slack: later-secret'), 'to Slack: [REDACTED]', 'notifier text passes the same filter');
});
