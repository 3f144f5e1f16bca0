/**
 * The per-run services every command is built from (src/commands/services.ts): settings read once
 * with their secrets in the output's filter, overrides, the budget, the journal in this user's
 * state directory, failures reported once; and a command that needs no notifier or Beluga client
 * does not load them (`pending`, run as a child process with a module-resolution log).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import type { RunContext } from '../src/commands/context.js';
import { runServices } from '../src/commands/services.js';
import { HookError } from '../src/errors.js';
import { CLI } from './helpers/run-cli.js';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bch-services-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function context(env: Record<string, string>, extra: Partial<RunContext> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const ctx: RunContext = {
    env: { BELUGA_HOOK_CONFIG: 'none', ...env },
    stdout: { write: (s: string) => stdout.push(s) },
    stderr: { write: (s: string) => stderr.push(s) },
    http: async () => {
      throw new Error('no request is expected');
    },
    now: () => new Date('2026-12-01T10:00:00Z'),
    host: 'test-host',
    ...extra,
  };
  return { ctx, stdout, stderr };
}

t.test('settings are read once; their secrets are redacted from the first line on; overrides win', async (t) => {
  const env = { BELUGA_TOKEN_ID: 'id', BELUGA_TOKEN_SECRET: 'very-secret-value-123', BELUGA_CERT_ID: '7' };
  const { ctx, stdout } = context(env);
  const run = runServices(ctx, { overrides: { BELUGA_CERT_ID: '9' } });
  const first = await run.settings();
  t.equal(first.BELUGA_CERT_ID, '9');
  t.equal(first.BELUGA_TOKEN_ID, 'id');
  t.equal(await run.settings(), first, 'the same object: read once');
  run.out.info('token very-secret-value-123');
  t.same(stdout, ['token [REDACTED]\n']);
});

t.test('--json: progress goes to stderr, and a failure is one line there plus the JSON document', async (t) => {
  const { ctx, stdout, stderr } = context({});
  const run = runServices(ctx, { json: true });
  run.out.info('progress');
  t.equal(run.fail(new HookError('CONFIG', 'bad thing')), 3);
  t.same(stderr, ['progress\n', 'beluga-cert: CONFIG: bad thing\n']);
  t.same(
    stdout.map((s) => JSON.parse(s)),
    [{ ok: false, code: 'CONFIG', exitCode: 3, error: 'bad thing' }],
  );
});

t.test('the budget: BELUGA_RUN_BUDGET from the run start; a bad value is a problem, not an error yet', async (t) => {
  const good = await runServices(context({ BELUGA_RUN_BUDGET: '30' }).ctx).budget();
  t.equal(good.ms, 30_000);
  t.equal(good.policy.deadline, Date.parse('2026-12-01T10:00:30Z'));
  t.same(good.problems, []);
  const bad = await runServices(context({ BELUGA_RUN_BUDGET: 'soon' }).ctx).budget();
  t.equal(bad.ms, 90_000, 'the default');
  t.equal(bad.problems.length, 1);
  t.match(bad.problems[0], /BELUGA_RUN_BUDGET/);
});

t.test("the journal: in the setting, else in this user's state directory", async (t) => {
  const home = await tempDir(t);
  const user = runServices(context({ HOME: home }, { uid: 1000 }).ctx);
  t.equal(await user.stateDir(), join(home, '.local/state/beluga-cert-hook'));
  t.equal((await user.journal()).dir, join(home, '.local/state/beluga-cert-hook'));
  t.ok(existsSync(join(home, '.local/state/beluga-cert-hook')), 'made');
  const root = runServices(context({ HOME: home }, { uid: 0 }).ctx);
  t.equal(await root.stateDir(), '/var/lib/beluga-cert-hook');
  const set = join(home, 'set');
  const pinned = runServices(context({ HOME: home, BELUGA_HOOK_STATE_DIR: set }, { uid: 1000 }).ctx);
  t.equal((await pinned.journal({ readOnly: true })).dir, set);
  t.notOk(existsSync(set), 'a read-only journal makes nothing');
});

t.test('a bad notifier setting is a CONFIG error; none configured is an empty list', async (t) => {
  const none = await runServices(context({}).ctx).notifiers();
  t.same(none.notifiers, []);
  await t.rejects(runServices(context({ NOTIFY_LEVEL: 'loud' }).ctx).notifiers(), { code: 'CONFIG' });
});

t.test('`pending` loads neither the Beluga client nor the notifiers', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'loaded.txt');
  // Every module URL node resolves is appended to the log (module.register hooks, node >= 20.6).
  const hooks = join(dir, 'hooks.mjs');
  await writeFile(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`,
  );
  const register = join(dir, 'register.mjs');
  const hooksUrl = JSON.stringify(`file://${hooks}`);
  await writeFile(register, `import { register } from 'node:module';\nregister(${hooksUrl});\n`);
  // tap adds NODE_OPTIONS (its own loader) to every child: run node without it.
  const node = [process.execPath, '--import', register, CLI, 'pending'];
  const r = await execa('/usr/bin/env', ['-u', 'NODE_OPTIONS', ...node], {
    env: { BELUGA_HOOK_CONFIG: 'none', BELUGA_HOOK_STATE_DIR: join(dir, 'state') },
    extendEnv: false,
    timeout: 60_000,
    killSignal: 'SIGKILL',
    reject: false,
  });
  t.equal(r.exitCode, 0, String(r.stderr));
  t.equal(String(r.stdout), 'nothing pending');
  const loaded = (await readFile(log, 'utf8')).split('\n');
  t.ok(
    loaded.some((u) => u.endsWith('/dist/commands/services.js')),
    'the log works: services.js is there',
  );
  const unused = ['beluga/client.js', 'beluga/beluga-target.js', 'beluga/retrying-http.js', 'notify/registry.js'];
  for (const module of unused) {
    t.notOk(
      loaded.some((u) => u.endsWith(`/dist/${module}`)),
      `${module} is not loaded`,
    );
  }
});
