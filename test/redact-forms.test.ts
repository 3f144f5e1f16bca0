/**
 * The one redaction filter (redact.ts) and the forms a secret takes on its way out: percent-encoded,
 * JSON-escaped, base64 (Basic's user:password), a URL's userinfo and path in any case; and what was
 * sent (a key, a certificate) coming back whole, cut, JSON-escaped or form-encoded.
 */
import t from 'tap';
import { secretValues } from '../src/config/build-config.js';
import { createOutput, createRedactor, cutRedacted, redactDeep } from '../src/redact.js';
import { fixtureText } from './helpers/run-cli.js';

const KEY = fixtureText('rsa2048.pkcs8.key');
const KEY_LINES = KEY.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));

t.test('a secret is found percent-encoded, JSON-escaped, decoded, as base64 and in any case', async (t) => {
  const secret = 'p@ss/word+with space';
  const r = createRedactor([secret]);
  for (const form of [
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(secret).toLowerCase(),
    secret.replaceAll('/', '\\/'),
    Buffer.from(secret).toString('base64'),
    secret.toUpperCase(),
  ]) {
    t.equal(r(`before ${form} after`), 'before [REDACTED] after', `hidden: ${form}`);
  }
  const encoded = 'pass%2Fword-42';
  t.equal(createRedactor([encoded])('as decoded: pass/word-42'), 'as decoded: [REDACTED]');
});

t.test('a webhook URL: the URL, its path in any case and encoding, and a query secret', async (t) => {
  const url = 'https://hooks.example.com/services/T0/B0/AbCdEf0123456789?sig=QwErTy0123456789';
  const r = createRedactor([url], { label: '[webhook URL]' });
  t.equal(r(`posting to ${url}`), 'posting to [webhook URL]');
  t.equal(r('404: no route /SERVICES/T0/B0/ABCDEF0123456789'), '404: no route [webhook URL]');
  t.equal(r(`echo ${encodeURIComponent('/services/T0/B0/AbCdEf0123456789')}`), 'echo [webhook URL]');
  t.equal(r('signature QwErTy0123456789 refused'), 'signature [webhook URL] refused');
});

t.test('settings: Basic user:password and its base64, userinfo of every URL setting, raw and decoded', async (t) => {
  const values = secretValues({
    BELUGA_USERNAME: 'ops@example.com',
    BELUGA_PASSWORD: 'basic-pw-1234',
    BELUGA_BASE_URL: 'https://api-user:api%2Fpass-99@api.example.com',
    TELEGRAM_API_URL: 'https://tg-user:tg%40pass-77@tg.example.com',
    SMTP_URL: 'smtps://mailer:mail%3Apass-55@smtp.example.com',
    TELEGRAM_BOT_TOKEN: '7000000001:AAsecret-part-of-the-token',
  });
  const r = createRedactor(values);
  const basic = Buffer.from('ops@example.com:basic-pw-1234').toString('base64');
  t.equal(r(`Authorization: Basic ${basic}`), 'Authorization: Basic [REDACTED]');
  t.equal(r('https://api-user:api%2Fpass-99@api.example.com/x'), 'https://[REDACTED]@api.example.com/x');
  for (const shown of [
    'api/pass-99',
    'tg@pass-77',
    'tg%40pass-77',
    'mail:pass-55',
    'AAsecret-part-of-the-token',
    Buffer.from('api-user:api/pass-99').toString('base64'),
  ]) {
    t.equal(r(`x ${shown} y`), 'x [REDACTED] y', `hidden: ${shown}`);
  }
  t.equal(r('api.example.com and tg.example.com'), 'api.example.com and tg.example.com', 'the host is not a secret');
});

t.test('what was sent never comes back: whole, cut, JSON-escaped, form-encoded, across lines', async (t) => {
  const r = createRedactor([], { sent: [KEY] });
  const line = KEY_LINES[3]!;
  t.equal(r(`echo: ${KEY}`), 'echo: [REDACTED]\n', 'a quoted PEM block goes whole, armour too');
  t.equal(r(`echo: ${JSON.stringify({ key: KEY })}`), 'echo: {"key":"[REDACTED]\\n"}', 'JSON-escaped, with \\n');
  t.equal(r(`cut: ${line.slice(5, 25)}`), 'cut: [REDACTED]', 'a 20-character fragment of a line');
  t.equal(r(`id=${KEY_LINES.at(-1)}`), 'id=[REDACTED]', 'the last line, padding and all; what precedes `=` stays');
  t.equal(r(`php: ${line.replaceAll('/', '\\/')}`), 'php: [REDACTED]', 'escaped slashes');
  t.equal(r(`form: key=${encodeURIComponent(line)}`), 'form: key=[REDACTED]', 'percent-encoded');
  t.equal(r('an ordinary error about 0123456789abcdef'), 'an ordinary error about 0123456789abcdef');
});

t.test('cut after redaction never leaves half a label', async (t) => {
  t.equal(cutRedacted('abc [REDACTED] def', 9), 'abc …');
  t.equal(cutRedacted('abc [webhook URL]', 12), 'abc …');
  t.equal(cutRedacted('short', 9), 'short');
});

t.test('JSON and events: every string redacted, keys too, dates kept', async (t) => {
  const o = createOutput({ write: () => true }, { write: () => true }, ['json-secret-1']);
  t.equal(
    o.json({ error: 'x json-secret-1 y', list: ['json-secret-1'], 'json-secret-1': 1 }),
    '{"error":"x [REDACTED] y","list":["[REDACTED]"],"[REDACTED]":1}',
  );
  const at = new Date(0);
  const event = redactDeep({ error: 'json-secret-1', at, nested: { names: ['json-secret-1'] } }, o.redact);
  t.same(event, { error: '[REDACTED]', at, nested: { names: ['[REDACTED]'] } });
  t.ok(event.at instanceof Date);
  o.addSent([KEY]);
  t.equal(o.redact(KEY_LINES[0]!), '[REDACTED]', 'the key, once added, is hidden from every line');
});
