import t from 'tap';
import { HookError } from '../src/errors.js';
import { buildEmailConfig } from '../src/notify/email.js';
import { SECRET_NAMES, SETTING_NAMES, type Settings } from '../src/config/settings.js';
import { EMAIL_SETTINGS } from '../src/notify/email-config.js';

const to = { MAIL_FROM: 'certs@example.com', MAIL_TO: 'ops@example.com' };

t.test('no e-mail setting: no e-mail notifier', async (t) => {
  t.equal(buildEmailConfig({}), undefined);
  const slackOnly = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/x', SMTP_URL: '' };
  t.equal(buildEmailConfig(slackOnly), undefined);
});

t.test('every e-mail setting is a known setting; the two secrets accept NAME_FILE and are redacted', async (t) => {
  for (const name of EMAIL_SETTINGS) t.ok((SETTING_NAMES as readonly string[]).includes(name), name);
  t.ok((SECRET_NAMES as readonly string[]).includes('SMTP_URL'));
  t.ok((SECRET_NAMES as readonly string[]).includes('SMTP_PASSWORD'));
});

t.test('host settings: defaults, and the port that goes with the security mode', async (t) => {
  t.strictSame(buildEmailConfig({ SMTP_HOST: 'smtp.example.com', SMTP_USER: 'u', SMTP_PASSWORD: 'secret-pw', ...to }), {
    host: 'smtp.example.com',
    port: 587,
    security: 'starttls',
    auth: { user: 'u', password: 'secret-pw' },
    secrets: ['secret-pw'],
    caFile: undefined,
    timeoutMs: 15_000,
    from: 'certs@example.com',
    to: ['ops@example.com'],
    maxAttempts: 3,
  });
  t.equal(buildEmailConfig({ SMTP_HOST: 'smtp.example.com', SMTP_SECURITY: 'TLS', ...to })?.port, 465);
  const relay = buildEmailConfig({
    SMTP_HOST: '127.0.0.1',
    SMTP_SECURITY: 'none',
    SMTP_TIMEOUT: '2.5',
    SMTP_CA_FILE: '/etc/ca.pem',
    MAIL_FROM: 'Certs <c@example.com>',
    MAIL_TO: ' a@example.com,b@example.org ,',
  });
  t.match(relay, {
    host: '127.0.0.1',
    port: 25,
    security: 'none',
    auth: undefined,
    secrets: [],
    timeoutMs: 2500,
    caFile: '/etc/ca.pem',
    from: 'Certs <c@example.com>',
    to: ['a@example.com', 'b@example.org'],
  });
});

t.test('SMTP_URL: scheme, port, percent-decoded credentials, every form of them kept as a secret', async (t) => {
  const url = 'smtps://me%40example.com:p%40ss%3Aword@smtp.example.com';
  const c = buildEmailConfig({ SMTP_URL: url, ...to })!;
  t.match(c, {
    host: 'smtp.example.com',
    port: 465,
    security: 'tls',
    auth: { user: 'me@example.com', password: 'p@ss:word' },
  });
  t.ok(c.secrets.includes(url) && c.secrets.includes('p@ss:word') && c.secrets.includes('p%40ss%3Aword'));
  t.match(buildEmailConfig({ SMTP_URL: 'smtp://127.0.0.1:2525', ...to }), {
    host: '127.0.0.1',
    port: 2525,
    security: 'starttls',
    auth: undefined,
  });
  t.match(buildEmailConfig({ SMTP_URL: 'smtp://[::1]:25', SMTP_SECURITY: 'none', ...to }), {
    host: '::1',
    security: 'none',
  });
});

const cases: Array<[string, Settings, string]> = [
  [
    'only MAIL_TO',
    { MAIL_TO: 'ops@example.com' },
    'e-mail: missing setting: SMTP_HOST (or SMTP_URL); missing setting: MAIL_FROM (the sender address)',
  ],
  [
    'only SMTP_HOST',
    { SMTP_HOST: 'smtp.example.com' },
    'e-mail: missing setting: MAIL_FROM (the sender address); missing setting: MAIL_TO (comma-separated recipient addresses)',
  ],
  [
    'user without password',
    { SMTP_HOST: 'h.example', SMTP_USER: 'u', ...to },
    'e-mail: missing setting: SMTP_PASSWORD (or SMTP_PASSWORD_FILE), SMTP_USER is set',
  ],
  [
    'password without user',
    { SMTP_HOST: 'h.example', SMTP_PASSWORD: 'pw-secret', ...to },
    'e-mail: missing setting: SMTP_USER, SMTP_PASSWORD is set',
  ],
  [
    'bad port, security, timeout',
    { SMTP_HOST: 'h.example', SMTP_PORT: '99999', SMTP_SECURITY: 'ssl', SMTP_TIMEOUT: '0', ...to },
    'e-mail: SMTP_SECURITY must be starttls, tls or none (got ssl); SMTP_PORT must be a port number from 1 to 65535 (got 99999); SMTP_TIMEOUT must be a number of seconds between 0 and 600 (got 0)',
  ],
  [
    'plain SMTP to a remote host',
    { SMTP_HOST: 'smtp.example.com', SMTP_SECURITY: 'none', ...to },
    'e-mail: SMTP_SECURITY=none sends mail in clear, allowed only to a loopback host (got smtp.example.com); use starttls or tls',
  ],
  [
    'bad addresses',
    { SMTP_HOST: 'h.example', MAIL_FROM: 'certs', MAIL_TO: 'ok@example.com, bad, x@y@z, "a b"@example.com' },
    'e-mail: MAIL_FROM is not an e-mail address (got certs); use name@example.com or Name <name@example.com>; MAIL_TO has addresses that are not valid: bad, x@y@z, "a b"@example.com; list plain addresses separated by commas',
  ],
  [
    'a header smuggled into MAIL_FROM',
    { SMTP_HOST: 'h.example', MAIL_FROM: 'a@example.com\r\nBcc: evil@example.com', MAIL_TO: 'ops@example.com' },
    'e-mail: MAIL_FROM is not an e-mail address (got a@example.com Bcc: evil@example.com); use name@example.com or Name <name@example.com>',
  ],
  [
    'a sender name that reads as two addresses',
    { SMTP_HOST: 'h.example', MAIL_FROM: 'Certs, Inc <c@example.com>', MAIL_TO: 'ops@example.com' },
    'e-mail: MAIL_FROM is not an e-mail address (got Certs, Inc <c@example.com>); use name@example.com or Name <name@example.com>',
  ],
  [
    'SMTP_URL not a URL',
    { SMTP_URL: 'pw-secret at mail', ...to },
    'e-mail: SMTP_URL is not a URL; use smtp://user:password@host:587 or smtps://user:password@host:465',
  ],
  [
    'SMTP_URL with another scheme',
    { SMTP_URL: 'https://u:pw-secret@mail.example.com', ...to },
    'e-mail: SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS)',
  ],
  [
    'SMTP_URL without a scheme',
    { SMTP_URL: 'u:pw-secret@mail.example.com', ...to },
    'e-mail: SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS)',
  ],
  [
    'SMTP_URL and SMTP_HOST',
    { SMTP_URL: 'smtp://u:pw-secret@mail.example.com', SMTP_HOST: 'h', SMTP_PASSWORD: 'x-secret', ...to },
    'e-mail: SMTP_URL and SMTP_HOST, SMTP_PASSWORD are both set; keep one way of naming the server',
  ],
  [
    'SMTP_URL with half the credentials',
    { SMTP_URL: 'smtp://u@mail.example.com', ...to },
    'e-mail: SMTP_URL has a user without a password (or a password without a user); give both or neither',
  ],
  [
    'SMTP_URL against SMTP_SECURITY',
    { SMTP_URL: 'smtps://u:pw-secret@mail.example.com', SMTP_SECURITY: 'starttls', ...to },
    "e-mail: SMTP_SECURITY=starttls contradicts SMTP_URL's smtps:// scheme; drop one",
  ],
  [
    'smtp:// in clear to a remote host',
    { SMTP_URL: 'smtp://mail.example.com', SMTP_SECURITY: 'none', ...to },
    'e-mail: SMTP_SECURITY=none sends mail in clear, allowed only to a loopback host (got mail.example.com); use starttls or tls',
  ],
];

for (const [name, settings, message] of cases) {
  t.test(`config error: ${name}`, async (t) => {
    let error: unknown;
    try {
      buildEmailConfig(settings);
    } catch (err) {
      error = err;
    }
    t.ok(error instanceof HookError, 'a HookError');
    t.match(error, { code: 'CONFIG', exitCode: 3, message });
    t.equal((error as Error).message, message);
    t.notMatch((error as Error).message, /pw-secret|x-secret/, 'never echoes a secret');
  });
}
