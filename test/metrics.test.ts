/**
 * `beluga-cert metrics`: the Prometheus text format from the stores and the journal, checked by
 * promtool itself (Debian's prometheus package, installed by .ci/install-e2e-deps.sh; in CI a
 * missing promtool fails the test). Values: expiry per local certificate, deployed or not, pending,
 * the last success, and whether the edge serves the deployed certificate; `--out` writes the file
 * atomically, readable by node_exporter.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { startSandbox } from './helpers/sandbox.js';
import { fixtureText, runCli } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const TOKEN = { tokenId: 'm-id', tokenSecret: 'metrics-secret-0123456789' };
const seconds = (pem: string) => Math.floor(Date.parse(new X509Certificate(pem).validTo) / 1000);

const dir = await mkdtemp(join(tmpdir(), 'metrics-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
async function secret(name: string, cert: string, key: string): Promise<{ cert: string; key: string }> {
  await mkdir(join(dir, 'store', name), { recursive: true });
  const files = { cert: join(dir, 'store', name, 'tls.crt'), key: join(dir, 'store', name, 'tls.key') };
  await writeFile(files.cert, fixtureText(cert));
  await writeFile(files.key, fixtureText(key));
  return files;
}
const com = await secret('example-com', 'ec256.bundle.crt', 'ec256.sec1.key');
const net = await secret('example-net', 'ec384.crt', 'ec384.sec1.key');

const sb = await startSandbox({
  credentials: TOKEN,
  records: [
    { id: '1001', site: 'com', certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') },
    { id: '1002', site: 'net', certificate: fixtureText('ec384.crt'), key: fixtureText('ec384.sec1.key') },
  ],
});
t.teardown(() => sb.close());
const env = {
  BELUGA_BASE_URL: sb.url,
  BELUGA_TOKEN_ID: TOKEN.tokenId,
  BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  BELUGA_HOOK_STATE_DIR: tempStateDir(),
  BELUGA_RETRIES: '1',
  BELUGA_EDGE_ADDRESS: sb.edgeAddress,
};

/** promtool's own check: exit 0 and nothing said, or the test fails with what it said. */
async function promtool(text: string): Promise<{ code: number; output: string }> {
  const r = await execa('promtool', ['check', 'metrics'], { input: text, reject: false, timeout: 60_000 });
  return { code: r.exitCode ?? -1, output: `${r.stdout}${r.stderr}` };
}

t.test('before any deploy: expiry per local certificate, nothing deployed, nothing pending', async (t) => {
  const r = await runCli(['metrics', '--dir', join(dir, 'store')], env);
  t.equal(r.code, 0, r.stderr);
  t.same(await promtool(r.stdout), { code: 0, output: '' }, 'promtool check metrics accepts it');
  t.match(
    r.stdout,
    /^# HELP beluga_cert_not_after_timestamp_seconds .+\n# TYPE beluga_cert_not_after_timestamp_seconds gauge\n/m,
  );
  t.match(
    r.stdout,
    new RegExp(
      `^beluga_cert_not_after_timestamp_seconds\\{name="example.com",store="dir:${dir}/store"\\} ${seconds(fixtureText('ec256.crt'))}$`,
      'm',
    ),
  );
  t.match(r.stdout, /^beluga_cert_deployed\{name="example.com",record=""\} 0$/m);
  t.match(r.stdout, /^beluga_cert_pending\{name="example.net"\} 0$/m);
  t.notMatch(r.stdout, /^beluga_cert_last_success_timestamp_seconds\{/m, 'no success yet');
});

t.test('after one deploy, one pending and one renewal on disk', async (t) => {
  const ok = await runCli(['deploy', '--cert', com.cert, '--key', com.key], env);
  t.equal(ok.code, 0, ok.stderr);
  sb.fault({ target: 'api', method: 'PUT', status: 503, times: 5 });
  const failed = await runCli(['deploy', '--cert', net.cert, '--key', net.key], env);
  t.not(failed.code, 0, 'the net deploy fails and is pending');

  const r = await runCli(['metrics', '--dir', join(dir, 'store')], env);
  t.equal(r.code, 0, r.stderr);
  t.same(await promtool(r.stdout), { code: 0, output: '' });
  t.match(r.stdout, /^beluga_cert_deployed\{name="example.com",record="1001"\} 1$/m);
  t.match(r.stdout, /^beluga_cert_deployed\{name="example.net",record=""\} 0$/m);
  t.match(r.stdout, /^beluga_cert_pending\{name="example.com"\} 0$/m);
  t.match(r.stdout, /^beluga_cert_pending\{name="example.net"\} 1$/m);
  t.match(r.stdout, /^beluga_cert_last_success_timestamp_seconds\{name="example.com"\} \d{10}$/m);
  t.match(
    r.stdout,
    /^beluga_cert_edge_serves_deployed\{name="example.com"\} 1$/m,
    'the verify step saw the edge serve it',
  );

  // A renewal on disk that is not deployed yet: deployed goes to 0, the expiry follows the file.
  await writeFile(com.cert, fixtureText('rsa2048.bundle.crt'));
  const renewed = await runCli(['metrics', '--dir', join(dir, 'store')], env);
  t.match(renewed.stdout, /^beluga_cert_deployed\{name="example.com",record="1001"\} 0$/m);
  t.match(
    renewed.stdout,
    new RegExp(`name="example.com",store="[^"]+"\\} ${seconds(fixtureText('rsa2048.crt'))}$`, 'm'),
  );
});

t.test('--out writes the file atomically, mode 0644, and says so on stderr', async (t) => {
  const file = join(dir, 'beluga.prom');
  await writeFile(file, 'old content\n');
  const r = await runCli(['metrics', '--dir', join(dir, 'store'), '--out', file], env);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '', 'nothing on stdout');
  t.match(r.stderr, /metrics: 2 name\(s\) written to /);
  const text = await readFile(file, 'utf8');
  t.same(await promtool(text), { code: 0, output: '' });
  t.equal((await stat(file)).mode & 0o777, 0o644);
  const bad = await runCli(['metrics', '--out', join(dir, 'no-such-folder', 'x.prom')], env);
  t.equal(bad.code, 10, bad.stderr);
  t.match(bad.stderr, /cannot write --out .*x\.prom \(ENOENT\)/);
});

t.test('a label value with a quote or backslash is escaped, and promtool agrees', async (t) => {
  const odd = join(dir, 'we"ird\\store');
  await mkdir(join(odd, 'legacy'), { recursive: true });
  await writeFile(join(odd, 'legacy', 'tls.crt'), fixtureText('cn-only.crt'));
  await writeFile(join(odd, 'legacy', 'tls.key'), fixtureText('cn-only.key'));
  const r = await runCli(['metrics', '--dir', odd], env);
  t.equal(r.code, 0, r.stderr);
  t.same(await promtool(r.stdout), { code: 0, output: '' });
  t.match(
    r.stdout,
    /^beluga_cert_not_after_timestamp_seconds\{name="legacy.example.com",store="dir:[^\n]*we\\"ird\\\\store"\} \d+$/m,
  );
});

t.test('the example alert rules load in promtool and fire as documented', async (t) => {
  const rules = join(process.cwd(), 'examples/prometheus/beluga-cert-alerts.yml');
  const check = await execa('promtool', ['check', 'rules', rules], { reject: false, timeout: 60_000 });
  t.equal(check.exitCode, 0, `${check.stdout}${check.stderr}`);
  t.match(check.stdout, /SUCCESS: 4 rules found/);
  // promtool's rule unit test: a pending certificate alerts after an hour, not before; an edge
  // that serves the deployed certificate does not alert.
  const cases = join(dir, 'rules-test.yml');
  await writeFile(
    cases,
    `rule_files: [${JSON.stringify(rules)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'beluga_cert_pending{name="example.com"}'
        values: '1x120'
      - series: 'beluga_cert_edge_serves_deployed{name="example.com"}'
        values: '1x120'
    alert_rule_test:
      - eval_time: 30m
        alertname: BelugaCertPending
        exp_alerts: []
      - eval_time: 90m
        alertname: BelugaCertPending
        exp_alerts:
          - exp_labels: { severity: critical, name: example.com }
            exp_annotations:
              summary: "A certificate for example.com has been pending for over an hour"
              description: "beluga-cert pending shows the last error; beluga-cert retry deploys it."
      - eval_time: 90m
        alertname: BelugaCertEdgeNotServing
        exp_alerts: []
`,
  );
  const unit = await execa('promtool', ['test', 'rules', cases], { reject: false, timeout: 60_000 });
  t.equal(unit.exitCode, 0, `${unit.stdout}${unit.stderr}`);
});
