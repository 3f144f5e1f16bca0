/**
 * A store folder named with a line feed or a carriage return (a file name may hold any byte but
 * `/`) stays on one printed line: `status` and `sync` show it as `\u000a` / `\u000d`, in the table,
 * in every progress line and in `--json`, so no one can forge a row of the output with a name.
 */
import t from 'tap';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/index.js';
import { fixture, runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'lines-id', tokenSecret: 'lines-secret-0123456789' };
/** Each folder's tail would print as a row of its own if the name reached the terminal raw. */
const FOLDERS = ['lf\ndeployed dir:forged', 'cr\rdeployed dir:forged', 'crlf\r\nunchanged dir:forged'];

t.test('status and sync print a folder name holding a line break on one line, escaped', async (t) => {
  const sb = await startSandbox({ credentials: TOKEN });
  t.teardown(() => sb.close());
  const store = t.testdir();
  for (const name of FOLDERS) {
    await mkdir(join(store, name));
    await copyFile(fixture('ec256.bundle.crt'), join(store, name, 'tls.crt'));
    await copyFile(fixture('ec256.pkcs8.key'), join(store, name, 'tls.key'));
  }
  const env = {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    BELUGA_SITE: 'lines-site',
    BELUGA_HOOK_STATE_DIR: tempStateDir(),
    SLACK_WEBHOOK_URL: sb.slackUrl,
  };
  // In the order status lists them: by label, as printed.
  const escaped = [
    'dir:cr\\u000ddeployed dir:forged',
    'dir:crlf\\u000d\\u000aunchanged dir:forged',
    'dir:lf\\u000adeployed dir:forged',
  ];

  const status = await runCli(['status', '--dir', store], env);
  t.equal(status.code, 0, status.stderr);
  t.notMatch(status.stdout, /\r/, 'no carriage return reaches the terminal');
  const rows = status.stdout.trimEnd().split('\n');
  t.equal(rows.length, FOLDERS.length + 2, 'a header, one line per certificate, a summary');
  escaped.forEach((label, i) => t.ok(rows[i + 1]!.startsWith(label), `row ${i + 1} starts with ${label}`));

  const json = await runCli(['status', '--dir', store, '--json'], env);
  t.equal(json.code, 0, json.stderr);
  t.equal(json.stdout.split('\n').length, 2, 'one JSON line');
  t.same(
    (JSON.parse(json.stdout) as Array<{ label: string }>).map((r) => r.label),
    escaped,
    'labels as the table shows them',
  );

  for (const extra of [['--dry-run'], ['--concurrency', '1']]) {
    const args = ['sync', ...extra];
    const sync = await runCli(['sync', '--dir', store, ...extra], env);
    t.equal(sync.code, 0, sync.stderr);
    t.notMatch(sync.stdout + sync.stderr, /\r/, `${args.join(' ')}: no carriage return`);
    const lines = sync.stdout.trimEnd().split('\n');
    t.notOk(
      lines.some((line) => /^(deployed|unchanged) dir:forged/.test(line)),
      `${args.join(' ')}: no forged row`,
    );
    for (const label of escaped)
      t.ok(
        lines.some((line) => line.includes(label)),
        `${args.join(' ')}: ${label} on one line`,
      );
  }
});

t.test('a store folder that is missing, named with a line break, is one skipped line', async (t) => {
  const missing = join(t.testdir(), 'gone\nsync: 0 certificate(s) in 9 store(s)');
  const sb = await startSandbox({ credentials: TOKEN });
  t.teardown(() => sb.close());
  const r = await runCli(['status', '--dir', missing], {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    BELUGA_HOOK_STATE_DIR: tempStateDir(),
  });
  // A store that gave nothing is a mistake to fix: exit 4, one line on stderr naming it.
  t.equal(r.code, 4, r.stderr);
  t.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  const skipped = r.stdout.split('\n').filter((line) => line.startsWith('skipped'));
  t.equal(skipped.length, 1, r.stdout);
  t.match(skipped[0], /gone\\u000async: 0 certificate/);
  t.notOk(
    r.stdout.split('\n').some((line) => line.startsWith('sync:')),
    'no forged line',
  );
});
