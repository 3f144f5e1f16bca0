/**
 * A dry run tells the truth: over a matrix of states (new, unchanged, older, older on the record
 * through another key, pending, no record, bad settings) `deploy --dry-run` predicts exactly what
 * the real run then does (exit code, and PUT / unchanged / the refusal), and `sync --dry-run`
 * predicts the real run's counts; the dry run itself writes nothing and sends nothing but GETs.
 */
import t from 'tap';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from './helpers/sandbox.js';
import { certMaker } from './helpers/make-certs.js';
import { runCli, type CliResult } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'dr-id', tokenSecret: 'dry-run-truth-secret-0123' };
const maker = certMaker();
const at = (month: number) => new Date(Date.UTC(2025, month, 1));
const CERT = maker.cert(['dry.test'], at(2), 2);
const NEWER = maker.cert(['dry.test'], at(5), 3);

type Env = Record<string, string>;
interface Row {
  name: string;
  /** Real runs (or changes) that put the journal and the sandbox in the state. */
  prepare?: (run: (pem: string, extra?: Env) => Promise<CliResult>, sb: Sandbox, state: string) => Promise<void>;
  env?: Env;
  recordNames?: string[];
  /** What the real run does: the action, or the refusal's code. */
  outcome: string;
}

const rows: Row[] = [
  { name: 'new', outcome: 'update' },
  {
    name: 'unchanged',
    prepare: async (run) => {
      await run(CERT);
    },
    outcome: 'unchanged',
  },
  {
    name: 'older than the one deployed',
    prepare: async (run) => {
      await run(NEWER);
    },
    outcome: 'OLDER_CERTIFICATE',
  },
  {
    name: 'older than the one on its record (another key)',
    prepare: async (run) => {
      await run(NEWER, { BELUGA_CERT_ID: '7' });
    },
    outcome: 'OLDER_CERTIFICATE',
  },
  {
    name: 'pending',
    outcome: 'update',
    prepare: async (run, sb) => {
      sb.fault({ target: 'api', method: 'PUT', status: 503, times: 2 });
      await run(CERT);
    },
  },
  { name: 'no record', recordNames: ['other.test'], outcome: 'NO_RECORD' },
  { name: 'bad setting: BELUGA_VERIFY=sometimes', env: { BELUGA_VERIFY: 'sometimes' }, outcome: 'CONFIG' },
  {
    name: 'bad setting: a state directory others can write',
    prepare: async (_run, _sb, state) => {
      await chmod(state, 0o777);
    },
    outcome: 'CONFIG',
  },
];

const writes = (sb: Sandbox) => sb.requests.filter((r) => r.method !== 'GET').length;
async function snapshot(dir: string): Promise<string> {
  const names = (await readdir(dir)).sort();
  return JSON.stringify(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n), 'utf8')])));
}
/** What a `--json` run did: its exit code and its action (update, unchanged) or refusal code. */
function outcome(r: CliResult): { code: number; outcome: string } {
  const doc = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  return { code: r.code, outcome: doc.ok ? doc.action : doc.code };
}

for (const row of rows) {
  t.test(`deploy --dry-run predicts the real run: ${row.name}`, async (t) => {
    const sb = await startSandbox({
      credentials: TOKEN,
      records: [
        {
          id: '7',
          site: 's',
          certificate: maker.cert(row.recordNames ?? ['dry.test'], at(0), 1),
          key: maker.keyPem,
          names: row.recordNames,
        },
      ],
    });
    t.teardown(() => sb.close());
    const dir = t.testdir();
    const state = tempStateDir();
    const env = {
      BELUGA_BASE_URL: sb.url,
      BELUGA_TOKEN_ID: TOKEN.tokenId,
      BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
      BELUGA_HOOK_STATE_DIR: state,
      BELUGA_RETRIES: '1',
      BELUGA_VERIFY: 'off',
      ...row.env,
    };
    await writeFile(join(dir, 'key.pem'), maker.keyPem, { mode: 0o600 });
    let n = 0;
    const run = async (pem: string, extra: Env = {}, flags: string[] = []) => {
      const cert = join(dir, `cert-${n++}.pem`);
      await writeFile(cert, pem);
      return runCli(['deploy', '--cert', cert, '--key', join(dir, 'key.pem'), '--json', ...flags], {
        ...env,
        BELUGA_VERIFY: 'off',
        ...extra,
      });
    };
    await row.prepare?.(run, sb, state);
    sb.clearFaults();

    const journalBefore = await snapshot(state);
    const writesBefore = writes(sb);
    const dry = await run(CERT, row.env, ['--dry-run']);
    t.equal(await snapshot(state), journalBefore, 'the dry run wrote nothing to the journal');
    t.equal(writes(sb), writesBefore, 'the dry run sent nothing but GETs');

    const real = await run(CERT, row.env);
    t.same(outcome(real), { code: real.code, outcome: row.outcome }, `the real run: ${row.outcome}`);
    t.same(outcome(dry), outcome(real), `the dry run said what the real run did: ${dry.stderr}`);
  });
}

t.test("sync --dry-run predicts the real run's counts: new, unchanged, older, pending, unmapped", async (t) => {
  const names = ['a', 'b', 'c', 'd'].map((x) => `${x}.dry.test`);
  const sb = await startSandbox({
    credentials: TOKEN,
    records: names.map((name, i) => ({
      id: String(i + 1),
      site: 's',
      certificate: maker.cert([name], at(0), 100 + i),
      key: maker.keyPem,
    })),
  });
  t.teardown(() => sb.close());
  const state = tempStateDir();
  const env = {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    BELUGA_HOOK_STATE_DIR: state,
    BELUGA_RETRIES: '1',
    BELUGA_VERIFY: 'off',
  };
  const store = t.testdir();
  const put = async (folder: string, pem: string) => {
    await mkdir(join(store, folder), { recursive: true });
    await writeFile(join(store, folder, 'tls.crt'), pem);
    await writeFile(join(store, folder, 'tls.key'), maker.keyPem, { mode: 0o600 });
  };
  // b deployed as it is, c deployed newer than the store will hold, d pending after a failure.
  await put('b', maker.cert([names[1]!], at(2), 11));
  await put('c', maker.cert([names[2]!], at(6), 12));
  t.equal((await runCli(['sync', '--dir', store], env)).code, 0);
  await put('d', maker.cert([names[3]!], at(2), 13));
  sb.fault({ target: 'api', method: 'PUT', status: 503 });
  t.equal((await runCli(['sync', '--dir', store], env)).code, 32, 'd failed: pending');
  await put('c', maker.cert([names[2]!], at(2), 14));
  await put('a', maker.cert([names[0]!], at(2), 10));
  await put('e', maker.cert(['nowhere.dry.test'], at(2), 15));
  t.match((await runCli(['pending'], env)).stdout, /domain:d\.dry\.test: .* pending since/);

  const journalBefore = await snapshot(state);
  const dry = await runCli(['sync', '--dir', store, '--dry-run'], env);
  t.equal(await snapshot(state), journalBefore, 'the dry run wrote nothing');
  const real = await runCli(['sync', '--dir', store], env);
  const counts = (r: CliResult) =>
    /sync: (\d+) (?:would be deployed|deployed), (\d+) unchanged, (\d+) failed, (\d+) unmapped/
      .exec(r.stdout)
      ?.slice(1);
  t.same(
    counts(real),
    ['2', '2', '0', '1'],
    `the real run: a and d deployed, b and c unchanged, e unmapped: ${real.stdout}`,
  );
  t.same(counts(dry), counts(real), 'the dry run predicted it');
  t.match((await runCli(['pending'], env)).stdout, /nothing pending/, 'the unmapped certificate left no intent behind');
  t.equal(dry.code, real.code);
});
