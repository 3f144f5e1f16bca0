/**
 * The config is taken only as meant: every numeric setting is plain decimal in its range (no hex,
 * exponent, sign or trailing junk), through the one parser in src/config/numbers.ts; a config file
 * line with an open quote or a bad number is refused naming the line; and, as ssh does, a config
 * file or state directory owned by another user (not root) is refused, not just warned about.
 */
import t, { type Test } from 'tap';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { policyFromSettings } from '../src/beluga/retry-policy.js';
import { buildBelugaConfig } from '../src/config/build-config.js';
import { buildSlackConfig } from '../src/notify/slack.js';
import { NUMBER_SETTINGS } from '../src/config/numbers.js';
import { ownerProblem } from '../src/config/owner.js';
import { loadSettings, parseConfigText, type Settings } from '../src/config/settings.js';
import { EXIT } from '../src/errors.js';
import { buildEmailConfig } from '../src/notify/email-config.js';
import { readNotifyTimeoutMs } from '../src/notify/notify-settings.js';
import { verifySettingsFromEnv } from '../src/verify/verify-settings.js';
import { fixture, runCli } from './helpers/run-cli.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const token = { BELUGA_TOKEN_ID: 'id1', BELUGA_TOKEN_SECRET: 'tok-secret' };
const ec = ['--cert', fixture('ec256.crt'), '--key', fixture('ec256.sec1.key')];

/** Each numeric setting through the builder that reads it: the problems it reports for `value`. */
const READERS: Record<string, (value: string) => string[]> = {
  BELUGA_TIMEOUT: (v) => thrown(() => buildBelugaConfig({ ...token, BELUGA_TIMEOUT: v })),
  SLACK_TIMEOUT: (v) =>
    thrown(() => buildSlackConfig({ SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x', SLACK_TIMEOUT: v })),
  NOTIFY_TIMEOUT: (v) => collected((p) => readNotifyTimeoutMs({ NOTIFY_TIMEOUT: v }, p)),
  SMTP_TIMEOUT: (v) =>
    thrown(() =>
      buildEmailConfig({
        SMTP_HOST: 'smtp.example.com',
        MAIL_FROM: 'c@example.com',
        MAIL_TO: 'o@example.com',
        SMTP_TIMEOUT: v,
      }),
    ),
  BELUGA_VERIFY_TIMEOUT: (v) => collected((p) => verifySettingsFromEnv({ BELUGA_VERIFY_TIMEOUT: v }, p)),
  BELUGA_RETRIES: (v) => policyFromSettings({ BELUGA_RETRIES: v }, 0).problems,
  BELUGA_RUN_BUDGET: (v) => policyFromSettings({ BELUGA_RUN_BUDGET: v }, 0).problems,
};

function thrown(fn: () => unknown): string[] {
  try {
    fn();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

function collected(fn: (problems: string[]) => unknown): string[] {
  const problems: string[] = [];
  fn(problems);
  return problems;
}

t.test('every numeric setting has a reader in this table', async (t) => {
  t.same(Object.keys(READERS).sort(), Object.keys(NUMBER_SETTINGS).sort());
});

t.test('numeric settings: plain decimal in range only, whoever reads them', async (t) => {
  const junk = ['0x10', '1e1', '10abc', '+10', '-10', '.5', '10.', '1_0', 'Infinity', 'NaN', '١٠', '10 s'];
  for (const [name, read] of Object.entries(READERS)) {
    for (const value of junk) {
      const problems = read(value);
      t.equal(problems.length, 1, `${name}=${value} is refused`);
      t.match(
        problems[0],
        new RegExp(
          `${name} must be a (whole )?number of (seconds|attempts) .*\\(got ${value.replace(/[.+]/g, '\\$&')}`,
        ),
        `${name}=${value}: the setting and the value are named`,
      );
    }
    t.same(read('10'), [], `${name}=10 is fine`);
    t.same(read(' 10 '), [], `${name}: white space around is fine`);
    t.same(read(''), [], `${name} empty: the default`);
    t.equal(read('99999').length, 1, `${name}: out of range`);
  }
  t.match(
    READERS.BELUGA_TIMEOUT!('0x10')[0],
    /\(got 0x10; write plain decimal digits\)/,
    'a number to JavaScript is told why it is refused',
  );
  t.same(READERS.BELUGA_TIMEOUT!('0.5'), [], 'fractions of seconds stay allowed');
  t.equal(READERS.BELUGA_RETRIES!('2.5').length, 1, 'attempts are whole');
});

t.test('BELUGA_TIMEOUT=0x10 in the environment: one CONFIG line naming it', async (t) => {
  const r = await runCli(['deploy', ...ec], {
    ...token,
    BELUGA_BASE_URL: 'http://127.0.0.1:9',
    BELUGA_TIMEOUT: '0x10',
  });
  t.equal(r.code, EXIT.CONFIG);
  t.match(
    r.stderr,
    /^beluga-cert: CONFIG: BELUGA_TIMEOUT must be a number of seconds between 0 and 600 \(got 0x10; write plain decimal digits\)/,
  );
  t.equal(r.stderr.trimEnd().split('\n').length, 1);
});

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bch-strict-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function configFile(dir: string, text: string): Promise<string> {
  const path = join(dir, 'env');
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

t.test('config file: a bad number or an open quote is one CONFIG line naming the file and line', async (t) => {
  const dir = await tempDir(t);
  // Each case: the file, and what the one line says after "<path> line ".
  const cases: Array<[string, string]> = [
    [
      '# settings\nBELUGA_SITE=x\nBELUGA_TIMEOUT=0x10\n',
      '3: BELUGA_TIMEOUT must be a number of seconds between 0 and 600 \\(got 0x10; write plain decimal digits\\)',
    ],
    ['BELUGA_RUN_BUDGET="5000"\n', '1: BELUGA_RUN_BUDGET must be a number of seconds from 5 to 3600 \\(got 5000\\)'],
    [
      'BELUGA_SITE=x\nSLACK_CHANNEL="#ops\n',
      '2: the value of SLACK_CHANNEL opens a quote \\("\\) that is not closed at the end of the line',
    ],
    ['BELUGA_SITE=\'my site"\n', "1: the value of BELUGA_SITE opens a quote \\('\\) that is not closed"],
  ];
  for (const [text, message] of cases) {
    const path = await configFile(dir, text);
    const r = await runCli(['deploy', ...ec], {
      ...token,
      BELUGA_BASE_URL: 'http://127.0.0.1:9',
      BELUGA_HOOK_CONFIG: path,
    });
    t.equal(r.code, EXIT.CONFIG, text);
    t.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line');
    t.match(r.stderr, new RegExp(`^beluga-cert: CONFIG: ${path} line ${message}`), text);
  }
  const secret = await configFile(dir, 'BELUGA_TOKEN_SECRET="s3cret-value-42\n');
  const hidden = await runCli(['deploy', ...ec], {
    BELUGA_BASE_URL: 'http://127.0.0.1:9',
    BELUGA_TOKEN_ID: 'id1',
    BELUGA_HOOK_CONFIG: secret,
  });
  t.match(hidden.stderr, /line 1: the value of BELUGA_TOKEN_SECRET opens a quote/);
  t.notOk((hidden.stdout + hidden.stderr).includes('s3cret-value'), 'the value itself is never shown');
  t.same(
    parseConfigText('A="x"\nB=\'y\'\nC=plain "inner" quotes\nD=""\n', 'f'),
    { A: 'x', B: 'y', C: 'plain "inner" quotes', D: '' },
    'closed quotes still work',
  );
});

t.test('owner: this user or root is fine; any other user is named', async (t) => {
  t.equal(ownerProblem(1000, 1000), undefined);
  t.equal(ownerProblem(0, 1000), undefined, 'root-owned, like /etc/beluga-cert-hook/env');
  t.equal(
    ownerProblem(NOBODY, 1000),
    `belongs to uid ${NOBODY}, not to this user (uid 1000) or root, so that user can change it`,
  );
});

// Making a file another user's takes root; CI runs as root, so these run there.
t.test(
  'a config file owned by another user is refused, naming the path and the owner',
  { skip: isRoot ? false : 'chown to another user needs root' },
  async (t) => {
    const dir = await tempDir(t);
    const path = await configFile(dir, 'BELUGA_SITE=x\n');
    await chown(path, NOBODY, NOBODY);
    const r = await runCli(['deploy', ...ec], {
      ...token,
      BELUGA_BASE_URL: 'http://127.0.0.1:9',
      BELUGA_HOOK_CONFIG: path,
    });
    t.equal(r.code, EXIT.CONFIG);
    t.match(
      r.stderr,
      new RegExp(
        `^beluga-cert: CONFIG: config file ${path} belongs to uid ${NOBODY}, not to this user \\(uid 0\\) or root`,
      ),
    );
    t.equal(r.stderr.trimEnd().split('\n').length, 1);
    await chown(path, 0, 0);
    const settings: Settings = (await loadSettings({ BELUGA_HOOK_CONFIG: path })).settings;
    t.equal(settings.BELUGA_SITE, 'x', 'the same file owned by this user is read');
  },
);

t.test(
  'a state directory owned by another user is refused, naming it and the owner',
  { skip: isRoot ? false : 'chown to another user needs root' },
  async (t) => {
    const dir = await tempDir(t);
    const state = join(dir, 'state');
    await mkdir(state, { mode: 0o700 });
    await chmod(state, 0o700);
    await chown(state, NOBODY, NOBODY);
    const r = await runCli(['deploy', ...ec], {
      ...token,
      BELUGA_BASE_URL: 'http://127.0.0.1:9',
      BELUGA_HOOK_STATE_DIR: state,
    });
    t.equal(r.code, EXIT.CONFIG, r.stderr);
    t.match(
      r.stderr,
      new RegExp(
        `CONFIG: state directory ${state} belongs to uid ${NOBODY}, not to this user \\(uid 0\\) or root, so that user can change it; set BELUGA_HOOK_STATE_DIR`,
      ),
    );
  },
);
