/**
 * The run's deadline seen from a deploy: when Beluga takes the whole budget, the failure message
 * still goes out, in the short grace the retry engine gives messages past the deadline.
 */
import t from 'tap';
import { EXIT } from '../src/errors.js';
import { startSandbox } from './helpers/sandbox.js';
import { fixture, runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'rb-id', tokenSecret: 'retry-budget-secret-0123' };

t.test('Beluga answers nothing for the whole budget: the error names the budget, Slack is told', async (t) => {
  const sb = await startSandbox({ credentials: TOKEN });
  t.teardown(() => sb.close());
  sb.fault({ target: 'api', delayMs: 30_000, times: 10 });
  const r = await runCli(['deploy', '--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')], {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    SLACK_WEBHOOK_URL: sb.slackUrl,
    BELUGA_HOOK_STATE_DIR: tempStateDir(),
    BELUGA_RUN_BUDGET: '5',
    BELUGA_TIMEOUT: '60',
  });
  t.equal(r.code, EXIT.REMOTE_UNAVAILABLE, r.stderr);
  t.match(r.stderr, /no answer within [\d.]+ s, when the run budget of 5 s \(BELUGA_RUN_BUDGET\) ran out/);
  t.match(r.stdout + r.stderr, /notify: slack: sent/);
  const colours = sb.slackMessages.map((m) => (m as { attachments: Array<{ color: string }> }).attachments[0]!.color);
  t.same(colours, ['danger'], 'the failure message arrived');
});
