/**
 * The failure text of a pending certificate says what to run, promises no timer that may not be
 * installed, and for NO_RECORD or rejected credentials says what to fix first (a retry alone would
 * fail the same way). `deploy` as a child process against the sandbox, and Slack's message.
 */
import t from 'tap';
import { pendingHint } from '../src/pending-hint.js';
import { startSandbox } from './helpers/sandbox.js';
import { fixture, fixtureText, runCli } from './helpers/run-cli.js';

const TOKEN = { tokenId: 'ph-id', tokenSecret: 'pending-hint-secret-0123' };
const deploy = ['deploy', '--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];

t.test('what the line says, by error code and BELUGA_RETRY_INTERVAL', async (t) => {
  t.equal(
    pendingHint('REMOTE_UNAVAILABLE'),
    'the certificate is pending: run beluga-cert retry to deploy it (a retry timer or cron job runs it, where one is installed)',
  );
  t.equal(
    pendingHint('REMOTE_UNAVAILABLE', '5 minutes'),
    'the certificate is pending: beluga-cert retry deploys it within 5 minutes',
  );
  t.match(
    pendingHint('NO_RECORD', '5 minutes'),
    /^the certificate is pending: first set BELUGA_SITE .* or BELUGA_CERT_ID .*, then run beluga-cert retry$/,
  );
  t.match(
    pendingHint('CREDENTIALS_REJECTED'),
    /^the certificate is pending: first fix the Beluga credentials \(BELUGA_TOKEN_ID and BELUGA_TOKEN_SECRET, or BELUGA_USERNAME and BELUGA_PASSWORD\), then run beluga-cert retry$/,
  );
  for (const code of ['REMOTE_UNAVAILABLE', 'NO_RECORD', 'CREDENTIALS_REJECTED'])
    t.notMatch(pendingHint(code), /every 5 minutes|shipped/, 'no timer promised');
});

const cases = [
  { name: 'rejected credentials', fault: true, records: true, hint: /first fix the Beluga credentials/ },
  { name: 'no record holds the domain', fault: false, records: false, hint: /first set BELUGA_SITE/ },
];

for (const c of cases) {
  t.test(`a deploy that fails with ${c.name}: stdout and Slack say what to fix, then to run retry`, async (t) => {
    const sb = await startSandbox({
      credentials: TOKEN,
      records: c.records
        ? [{ id: '1001', site: 's', certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') }]
        : [],
    });
    t.teardown(() => sb.close());
    if (c.fault) sb.fault({ target: 'api', status: 401 });
    const r = await runCli(deploy, {
      BELUGA_BASE_URL: sb.url,
      BELUGA_TOKEN_ID: TOKEN.tokenId,
      BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
      SLACK_WEBHOOK_URL: sb.slackUrl,
      BELUGA_RETRY_INTERVAL: '5 minutes',
    });
    t.not(r.code, 0);
    t.match(
      r.stdout,
      new RegExp(`pending: the certificate is pending: ${c.hint.source}.*, then run beluga-cert retry`),
    );
    t.match((sb.slackMessages[0] as { text: string }).text, c.hint);
    t.notMatch(
      r.stdout + JSON.stringify(sb.slackMessages),
      /within 5 minutes|every 5 minutes/,
      'no promise that a retry alone would help',
    );
  });
}
