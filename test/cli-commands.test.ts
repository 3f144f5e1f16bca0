/** `beluga-cert sandbox` and `beluga-cert demo` as a person runs them: child processes. */
import t from 'tap';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, fixture, fixtureText, runCli } from './helpers/run-cli.js';

t.test(
  'sandbox: prints both URLs, serves the API with the BELUGA_* credentials, keeps --state, stops on SIGTERM',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bch-sbcli-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const state = join(dir, 'state.json');
    const child = spawn(process.execPath, [CLI, 'sandbox', '--state', state], {
      env: {
        PATH: process.env.PATH,
        BELUGA_HOOK_CONFIG: 'none',
        BELUGA_USERNAME: 'u@example.com',
        BELUGA_PASSWORD: 'sandbox-pw-42',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    t.teardown(() => {
      clearTimeout(killer);
      child.kill('SIGKILL');
    });
    const lines: string[] = [];
    const urls = await new Promise<{ api: string; slack: string }>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      rl.on('line', (line) => {
        lines.push(line);
        const api = lines.join('\n').match(/BELUGA_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)/);
        const slack = lines.join('\n').match(/SLACK_WEBHOOK_URL=(http:\/\/127\.0\.0\.1:\d+\/slack\/\S+)/);
        if (api && slack) resolve({ api: api[1], slack: slack[1] });
      });
      child.on('exit', (code) => reject(new Error(`sandbox exited early (${code}): ${lines.join('\n')}`)));
    });
    const deploy = await runCli(
      ['deploy', '--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.pkcs8.key')],
      {
        BELUGA_BASE_URL: urls.api,
        BELUGA_USERNAME: 'u@example.com',
        BELUGA_PASSWORD: 'sandbox-pw-42',
        BELUGA_SITE: 'cli-site',
        SLACK_WEBHOOK_URL: urls.slack,
      },
    );
    t.equal(deploy.code, 0, deploy.stderr);
    t.match(deploy.stdout, /created Beluga certificate id=/);
    const saved = JSON.parse(await readFile(state, 'utf8'));
    t.equal(saved.certificates.length, 1);
    t.equal(
      new X509Certificate(saved.certificates[0].certificate).fingerprint256,
      new X509Certificate(fixtureText('ec256.crt')).fingerprint256,
    );
    t.equal((await stat(state)).mode & 0o777, 0o600);
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    t.equal(await exit, 0);
    t.notOk(lines.join('\n').includes('sandbox-pw-42'), 'the password is never printed');
    t.match(lines.join('\n'), /POST \/api\/cdn\/v2\/ssl-certificates 200/);
  },
);

t.test('sandbox: refuses to start with no credentials to check', async (t) => {
  const r = await runCli(['sandbox']);
  t.equal(r.code, 3);
  t.match(r.stderr, /set at least one pair/);
  const bad = await runCli(['sandbox', '--port', '70000'], { BELUGA_TOKEN_ID: 'a', BELUGA_TOKEN_SECRET: 'bbbbbb' });
  t.equal(bad.code, 2);
});

t.test('demo: runs end to end with no account and shows the Slack message', async (t) => {
  const r = await runCli(['demo']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /read: example\.com: example\.com, www\.example\.com; EC P-256/);
  t.match(r.stdout, /upload: updated Beluga certificate id=1001/);
  t.match(r.stdout, /GET \/api\/cdn\/v2\/ssl-certificates, PUT \/api\/cdn\/v2\/ssl-certificates/);
  t.match(r.stdout, /Renewed SSL certificate successfully\n\s+Domain: example\.com/);
  t.match(r.stdout, /-- Certificate renewal/);
  t.match(
    r.stdout,
    /verify: live on the edge after \d+ s \(all 2 names\)[\s\S]*Edge: live on the edge after \d+ s/,
    'the verify step against the sandbox edge',
  );
  t.notMatch(r.stdout + r.stderr, /PRIVATE KEY|\/slack\/services\//);
  for (const command of ['sandbox', 'demo']) {
    const help = await runCli([command, '--help']);
    t.equal(help.code, 0);
    t.match(help.stdout, new RegExp(`beluga-cert ${command}`));
  }
});
