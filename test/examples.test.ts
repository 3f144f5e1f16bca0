/**
 * The shipped deployment examples, read as the tools that run them read them: every Kubernetes
 * manifest parsed as kubectl parses it (YAML 1.1: `0400` is octal), with what the API server
 * requires and the safety the README promises; the pod's file layout (cert-manager's
 * tls.crt/tls.key and the credentials behind kubelet's `..data` links, the journal on the claim)
 * rebuilt in a temp folder and used by the built CLI against the sandbox; and the systemd units,
 * parsed as sections, each timer starting a service whose ExecStart is an absolute path.
 */
import t, { type Test } from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { parse, parseAllDocuments } from 'yaml';
import { SECRET_NAMES, SETTING_NAMES } from '../src/config/settings.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { fixtureText, ROOT, runCli, type CliResult } from './helpers/run-cli.js';

/** Manifests are untyped trees: this test checks their shape field by field. */
type Obj = Record<string, any>;

const K8S_DIR = join(ROOT, 'examples/kubernetes');
const SYSTEMD_DIR = join(ROOT, 'examples/systemd');
const MANIFEST = join(K8S_DIR, 'beluga-cert-sync.yaml');
const CREDENTIALS = 'beluga-credentials';
/** The flags of `beluga-cert sync` that take a value, and the paths among them. */
const SYNC_VALUE_FLAGS = ['--dir', '--lego-path', '--certbot-dir', '--concurrency'];
const SYNC_PATH_FLAGS = ['--dir', '--lego-path', '--certbot-dir'];

/** Every document of a file as kubectl reads it: YAML 1.1, duplicate keys refused, warnings kept. */
function loadYaml(path: string): { docs: Obj[]; problems: string[] } {
  const parsed = parseAllDocuments(readFileSync(path, 'utf8'), { version: '1.1', uniqueKeys: true, strict: true });
  const problems = parsed.flatMap((d) => [...d.errors, ...d.warnings].map((e) => `${basename(path)}: ${e.message}`));
  return { docs: parsed.map((d) => d.toJS() as Obj), problems };
}

/** The commented template of the credentials Secret at the top of the manifest, uncommented. */
function secretTemplate(): Obj {
  const lines = readFileSync(MANIFEST, 'utf8').split('\n');
  const start = lines.indexOf('# apiVersion: v1');
  const block: string[] = [];
  for (let i = start; i >= 0 && i < lines.length && lines[i].startsWith('#'); i++)
    block.push(lines[i].replace(/^# ?/, ''));
  return parse(block.join('\n'), { version: '1.1', uniqueKeys: true }) as Obj;
}

const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];
/** A 5-field cron expression as the CronJob controller accepts it: numbers, *, ranges, steps, lists. */
function validCron(expr: string): boolean {
  const fields = expr.trim().split(/\s+/);
  return (
    fields.length === 5 &&
    fields.every((field, i) =>
      field.split(',').every((part) => {
        const m = /^(?:\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) return false;
        const [lo, hi] = RANGES[i];
        const [from, to, step] = [m[1], m[2] ?? m[1], m[3]].map((v) => (v === undefined ? undefined : Number(v)));
        if (step !== undefined && step < 1) return false;
        return from === undefined || (from >= lo && to! <= hi && from <= to!);
      }),
    )
  );
}

const manifests = readdirSync(K8S_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join(K8S_DIR, f));
const { docs } = loadYaml(MANIFEST);
const byKind = (kind: string) => docs.find((d) => d?.kind === kind) ?? {};
const cronJob = byKind('CronJob');
const pod: Obj = cronJob.spec?.jobTemplate?.spec?.template?.spec ?? {};
const container: Obj = pod.containers?.[0] ?? {};
const volumes: Obj[] = pod.volumes ?? [];
const mounts: Obj[] = container.volumeMounts ?? [];
const volumeOf = (mount: Obj) => volumes.find((v) => v.name === mount.name) ?? {};
const envEntry = (name: string): Obj | undefined => (container.env ?? []).find((e: Obj) => e.name === name);
const credentialsMount = mounts.find((m) => volumeOf(m).secret?.secretName === CREDENTIALS);
/** The mounts of cert-manager TLS Secrets: every Secret volume but the credentials. */
const tlsMounts = mounts.filter((m) => volumeOf(m).secret && m !== credentialsMount);
const isUnder = (path: string, dir: string) => path === dir || path.startsWith(`${dir.replace(/\/$/, '')}/`);

t.test('the cron check itself tells valid schedules from invalid ones', async (t) => {
  for (const ok of ['*/10 * * * *', '0 3 * * 1-5', '5,35 */2 1 1-12/3 0']) t.ok(validCron(ok), ok);
  for (const bad of [
    '*/10 * * *',
    '60 * * * *',
    '* 24 * * *',
    '* * 0 * *',
    '*/0 * * * *',
    '5-1 * * * *',
    'every 10m',
    '@every 10m',
  ]) {
    t.notOk(validCron(bad), bad);
  }
});

t.test('every manifest parses as Kubernetes reads it; each object has apiVersion, kind and a valid name', async (t) => {
  t.ok(manifests.includes(MANIFEST), 'beluga-cert-sync.yaml is shipped');
  for (const path of manifests) {
    const { docs, problems } = loadYaml(path);
    t.same(problems, [], `${basename(path)}: no YAML error or warning`);
    t.ok(docs.length > 0, `${basename(path)} holds objects`);
    const seen = new Set<string>();
    for (const doc of docs) {
      t.ok(doc && typeof doc === 'object' && !Array.isArray(doc), 'each document is an object (no empty document)');
      const label = `${basename(path)} ${doc?.kind}/${doc?.metadata?.name}`;
      t.match(doc?.apiVersion, /^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/, `${label}: apiVersion`);
      t.match(doc?.kind, /^[A-Z][A-Za-z]+$/, `${label}: kind`);
      t.match(doc?.metadata?.name, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, `${label}: metadata.name is a DNS label`);
      t.equal(doc?.metadata?.namespace, undefined, `${label}: no namespace, so kubectl -n picks it`);
      t.not(doc?.kind, 'Secret', `${label}: no Secret is shipped, not even a placeholder one`);
      t.notOk(seen.has(label), `${label}: only once`);
      seen.add(label);
    }
  }
});

t.test('the CronJob: schedule, one run at a time, bounded retries and runtime', async (t) => {
  t.equal(cronJob.apiVersion, 'batch/v1', 'a batch/v1 CronJob');
  t.ok(cronJob.metadata.name.length <= 52, 'name short enough for the Job names derived from it');
  t.ok(validCron(cronJob.spec.schedule), `schedule ${cronJob.spec.schedule} is a 5-field cron`);
  t.equal(cronJob.spec.concurrencyPolicy, 'Forbid', 'concurrencyPolicy Forbid');
  for (const key of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
    t.ok(Number.isInteger(cronJob.spec[key]) && cronJob.spec[key] >= 0, `spec.${key}`);
  }
  const job = cronJob.spec.jobTemplate.spec;
  t.ok(Number.isInteger(job.backoffLimit) && job.backoffLimit >= 0, 'backoffLimit');
  t.ok(Number.isInteger(job.activeDeadlineSeconds) && job.activeDeadlineSeconds > 0, 'activeDeadlineSeconds');
  const every = /^\*\/(\d+) \* \* \* \*$/.exec(cronJob.spec.schedule);
  if (every) {
    t.ok(job.activeDeadlineSeconds < Number(every[1]) * 60, 'a hung run ends before the next one is due');
    t.equal(
      envEntry('BELUGA_RETRY_INTERVAL')?.value,
      `${every[1]} minutes`,
      "failure messages name the schedule's interval",
    );
  }
  t.match(pod.restartPolicy, /^(OnFailure|Never)$/, 'restartPolicy OnFailure or Never');
  t.equal(pod.containers.length, 1, 'one container');
  t.match(
    container.image,
    /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+:[\w][\w.-]*$/,
    'image has a registry, a name and a tag',
  );
  t.notMatch(container.image, /:latest$/, 'a pinned tag, not latest');
  t.ok(
    Array.isArray(container.command) && container.command.every((w: unknown) => typeof w === 'string'),
    'command is a list of strings',
  );
  t.same(container.command.slice(0, 2), ['beluga-cert', 'sync'], 'runs beluga-cert sync');
  checkSyncArgs(t, container.command.slice(2));
});

/** The words after `beluga-cert sync`: known flags, each with its value; never --dry-run shipped. */
function checkSyncArgs(t: Test, args: string[]): void {
  t.ok(args.length > 0, 'names at least one store');
  for (let i = 0; i < args.length; i++) {
    t.ok(SYNC_VALUE_FLAGS.includes(args[i]), `${args[i]} is a sync flag that takes a value (--dry-run is not shipped)`);
    if (SYNC_PATH_FLAGS.includes(args[i]))
      t.ok(posix.isAbsolute(args[i + 1] ?? ''), `${args[i]} ${args[i + 1]}: an absolute path`);
    i++;
  }
}

t.test(
  'volumes: every mount has its volume, Secrets read-only and 0400/0440, the claim and account exist',
  async (t) => {
    for (const m of mounts)
      t.ok(
        volumes.some((v) => v.name === m.name),
        `mount ${m.name} has a volume`,
      );
    for (const v of volumes)
      t.ok(
        mounts.some((m) => m.name === v.name),
        `volume ${v.name} is mounted`,
      );
    t.equal(new Set(mounts.map((m) => m.mountPath)).size, mounts.length, 'no two mounts at one path');
    for (const v of volumes.filter((v) => v.secret)) {
      const modes = [
        v.secret.defaultMode,
        ...(v.secret.items ?? []).map((i: Obj) => i.mode).filter((m: unknown) => m !== undefined),
      ];
      t.ok(Number.isInteger(v.secret.defaultMode), `${v.name}: defaultMode set`);
      for (const mode of modes)
        t.equal(mode & ~0o440, 0, `${v.name}: mode 0${Number(mode).toString(8)} lets only owner and group read`);
      t.ok(mounts.find((m) => m.name === v.name)?.readOnly, `${v.name}: mounted read-only`);
    }
    t.ok(credentialsMount, `the ${CREDENTIALS} Secret is mounted`);
    t.ok(tlsMounts.length > 0, 'at least one TLS Secret is mounted');
    const dirs = container.command.flatMap((w: string, i: number) => (container.command[i - 1] === '--dir' ? [w] : []));
    for (const m of tlsMounts) {
      t.ok(
        dirs.some((d: string) => posix.dirname(m.mountPath) === d || m.mountPath === d),
        `${m.mountPath} is a --dir or a folder in one`,
      );
      t.same(
        volumeOf(m)
          .secret.items?.map((i: Obj) => i.path)
          .sort(),
        ['tls.crt', 'tls.key'],
        `${m.name}: tls.crt and tls.key`,
      );
    }
    const pvc = byKind('PersistentVolumeClaim');
    const claim = volumes.find((v) => v.persistentVolumeClaim);
    t.equal(claim?.persistentVolumeClaim.claimName, pvc.metadata?.name, 'the claim mounted is the one shipped');
    t.same(pvc.spec?.accessModes, ['ReadWriteOnce'], 'claim ReadWriteOnce');
    t.match(pvc.spec?.resources?.requests?.storage, /^\d+(Mi|Gi)$/, 'claim size requested');
    const account = byKind('ServiceAccount');
    t.equal(pod.serviceAccountName, account.metadata?.name, 'runs as the shipped ServiceAccount');
    t.equal(account.automountServiceAccountToken, false, 'the account mounts no API token');
    t.equal(pod.automountServiceAccountToken, false, 'nor does the pod');
  },
);

t.test('settings: known names, secrets only from the Secret, the journal on the claim', async (t) => {
  const known = new Set<string>([...SETTING_NAMES, ...SECRET_NAMES.map((n) => `${n}_FILE`), 'BELUGA_HOOK_CONFIG']);
  for (const e of container.env) {
    t.ok(known.has(e.name), `${e.name} is a setting beluga-cert reads`);
    t.ok(
      typeof e.value === 'string' || e.valueFrom,
      `${e.name}: a string value (YAML 1.1 reads yes/no/on/off as booleans)`,
    );
  }
  t.equal(envEntry('BELUGA_HOOK_CONFIG')?.value, 'none', 'no config file in the image');
  const template = secretTemplate();
  const keys = Object.keys(template.stringData ?? {});
  const fromSecret = (name: string) => {
    const e = envEntry(name);
    t.notOk(e?.value, `${name} is no literal`);
    t.equal(e?.valueFrom?.secretKeyRef?.name, CREDENTIALS, `${name} comes from the ${CREDENTIALS} Secret`);
    t.ok(keys.includes(e?.valueFrom?.secretKeyRef?.key), `${name}: its key is in the Secret template`);
  };
  const fromFile = (name: string) => {
    const path = envEntry(`${name}_FILE`)?.value ?? '';
    t.equal(posix.dirname(path), credentialsMount?.mountPath, `${name}_FILE is a file of the ${CREDENTIALS} volume`);
    t.ok(keys.includes(posix.basename(path)), `${name}_FILE names a key of the Secret template`);
  };
  fromSecret('BELUGA_TOKEN_ID');
  for (const name of SECRET_NAMES) t.notOk(envEntry(name)?.value, `${name} is never a literal value`);
  if (envEntry('BELUGA_TOKEN_SECRET')) fromSecret('BELUGA_TOKEN_SECRET');
  else fromFile('BELUGA_TOKEN_SECRET');
  if (envEntry('SLACK_WEBHOOK_URL_FILE')) fromFile('SLACK_WEBHOOK_URL');
  const stateDir: string = envEntry('BELUGA_HOOK_STATE_DIR')?.value ?? '';
  const journal = mounts.find((m) => volumeOf(m).persistentVolumeClaim && isUnder(stateDir, m.mountPath));
  t.ok(journal, `BELUGA_HOOK_STATE_DIR=${stateDir} is on the claim`);
  t.not(journal?.readOnly, true, 'mounted writable');
  // Under fsGroup the volume's root is group-writable, and beluga-cert refuses such a journal.
  t.not(stateDir, journal?.mountPath, 'a folder inside the volume, not its root');
});

t.test('the credentials Secret template: placeholders only', async (t) => {
  const secret = secretTemplate();
  t.same([secret.apiVersion, secret.kind, secret.metadata?.name, secret.type], ['v1', 'Secret', CREDENTIALS, 'Opaque']);
  const values = Object.values(secret.stringData ?? {});
  t.ok(values.length >= 2, 'token id and secret at least');
  for (const v of values) t.match(v, /^<[a-z-]+>$/, `${String(v)} is a placeholder, never a real-looking value`);
});

t.test('securityContext: non-root, no privilege, read-only root file system, RuntimeDefault seccomp', async (t) => {
  const sc = pod.securityContext ?? {};
  t.equal(sc.runAsNonRoot, true, 'runAsNonRoot');
  t.ok(Number.isInteger(sc.runAsUser) && sc.runAsUser > 0, 'runAsUser not root');
  t.ok(
    Number.isInteger(sc.fsGroup) && sc.fsGroup > 0,
    'fsGroup, so the non-root user can read root-owned Secret files',
  );
  // The default (Always) re-chmods the volume at every mount: journal/ would turn group-writable.
  t.equal(sc.fsGroupChangePolicy, 'OnRootMismatch', 'fsGroupChangePolicy OnRootMismatch');
  t.equal(sc.seccompProfile?.type, 'RuntimeDefault', 'seccomp RuntimeDefault');
  const csc = container.securityContext ?? {};
  t.equal(csc.readOnlyRootFilesystem, true, 'readOnlyRootFilesystem');
  t.equal(csc.allowPrivilegeEscalation, false, 'allowPrivilegeEscalation false');
  t.same(csc.capabilities, { drop: ['ALL'] }, 'every capability dropped, none added');
  t.not(csc.privileged, true, 'not privileged');
  t.ok(container.resources?.requests?.memory && container.resources?.limits?.memory, 'memory request and limit');
});

// ---------------------------------------------------------------------------------------------
// The pod's file layout, rebuilt here and used by the built CLI

const TOKEN = { tokenId: 'k8s-token-id', tokenSecret: 'k8s-token-secret-0123456789' };
/** What cert-manager writes for an ACME issuer: tls.crt = leaf + intermediates, tls.key (EC: SEC1). */
const TLS = [
  { crt: fixtureText('ec256.bundle.crt'), key: fixtureText('ec256.sec1.key'), leaf: 'ec256.crt', recordId: '1001' },
  {
    crt: fixtureText('ec384.crt') + fixtureText('chain.pem'),
    key: fixtureText('ec384.sec1.key'),
    leaf: 'ec384.crt',
    recordId: '1002',
  },
];
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

async function beluga(t: Test): Promise<Sandbox> {
  const old = { certificate: fixtureText('rsa2048.crt'), key: fixtureText('rsa2048.pkcs1.key') };
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [
      { id: '1001', ...old },
      { id: '1002', ...old, names: ['example.net', 'www.example.net'] },
    ],
  });
  t.teardown(() => sb.close());
  return sb;
}

/**
 * A Secret volume as kubelet's atomic writer leaves it: the files in a timestamped folder, `..data`
 * linking to it, one link per key; mode defaultMode plus group read (fsGroup).
 */
async function writeSecretVolume(dir: string, volume: Obj, data: Record<string, string>): Promise<void> {
  const stamp = '..2026_11_27_21_00_00.000000001';
  await mkdir(join(dir, stamp), { recursive: true });
  await symlink(stamp, join(dir, '..data'));
  const items: Obj[] = volume.secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of items) {
    await writeFile(join(dir, stamp, item.path), data[item.key], { mode: 0o600 });
    await chmod(
      join(dir, stamp, item.path),
      (item.mode ?? volume.secret.defaultMode) | (pod.securityContext?.fsGroup ? 0o440 : 0),
    );
    await symlink(join('..data', item.path), join(dir, item.path));
  }
}

/** The pod's mounts under a temp root, and its environment with paths moved under that root. */
async function podLayout(t: Test, sb: Sandbox): Promise<{ root: string; env: Record<string, string> }> {
  const root = await mkdtemp(join(tmpdir(), 'bch-k8s-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  t.ok(tlsMounts.length <= TLS.length, 'a fixture for every TLS Secret mounted');
  const secrets: Record<string, Record<string, string>> = {
    // The token secret with the newline `kubectl create secret --from-file` keeps.
    [CREDENTIALS]: {
      'token-id': TOKEN.tokenId,
      'token-secret': `${TOKEN.tokenSecret}\n`,
      'slack-webhook-url': sb.slackUrl,
    },
  };
  tlsMounts.forEach((m, i) => {
    secrets[volumeOf(m).secret.secretName] = { 'tls.crt': TLS[i].crt, 'tls.key': TLS[i].key, 'ca.crt': '' };
  });
  for (const m of mounts) {
    const volume = volumeOf(m);
    const dir = join(root, m.mountPath);
    if (volume.secret) await writeSecretVolume(dir, volume, secrets[volume.secret.secretName]);
    else {
      // A claim's root as kubelet leaves it after applying fsGroup: group-writable, setgid.
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o2770);
    }
  }
  const env: Record<string, string> = { BELUGA_BASE_URL: sb.url };
  for (const e of container.env as Obj[]) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) env[e.name] = secrets[ref.name][ref.key];
    else env[e.name] = /_FILE$|_DIR$/.test(e.name) ? join(root, e.value) : e.value;
  }
  return { root, env };
}

function assertNothingSecret(t: Test, sb: Sandbox, r: CliResult): void {
  const all = r.stdout + r.stderr;
  for (const s of [TOKEN.tokenSecret, sb.slackUrl])
    t.notOk(all.includes(s), `output does not show a secret (${s.slice(0, 8)}…)`);
  t.notMatch(all, /PRIVATE KEY/, 'no private key in the output');
}

t.test("the pod layout works: each tls.crt/tls.key folder deploys with the manifest's settings", async (t) => {
  const sb = await beluga(t);
  const { root, env } = await podLayout(t, sb);
  for (const [i, m] of tlsMounts.entries()) {
    const dir = join(root, m.mountPath);
    const r = await runCli(['deploy', '--cert', join(dir, 'tls.crt'), '--key', join(dir, 'tls.key')], env);
    t.equal(r.code, 0, `${m.mountPath}: ${r.stderr}`);
    t.match(
      r.stdout,
      `upload: updated Beluga certificate id=${TLS[i].recordId}`,
      'the record of its domain is updated',
    );
    const stored = sb.records().find((x) => x.id === TLS[i].recordId);
    t.equal(fingerprint(stored!.certificate), fingerprint(fixtureText(TLS[i].leaf)), 'the record holds the new leaf');
    t.equal(sb.slackMessages.length, i + 1, 'Slack told, through SLACK_WEBHOOK_URL_FILE behind ..data');
    assertNothingSecret(t, sb, r);
  }
  t.ok(
    sb.requests.every((q) => q.headers.authorization?.startsWith(`Token ${TOKEN.tokenId} `)),
    'token id from secretKeyRef, secret from the file',
  );
  const info = await stat(env.BELUGA_HOOK_STATE_DIR);
  t.equal(info.mode & 0o777, 0o700, 'the journal folder on the claim is made 0700');
});

t.test("the journal at the claim's root would be refused: why the manifest uses a folder in it", async (t) => {
  const sb = await beluga(t);
  const { root, env } = await podLayout(t, sb);
  const claimRoot = mounts.find((m) => volumeOf(m).persistentVolumeClaim)!.mountPath;
  const dir = join(root, tlsMounts[0].mountPath);
  const r = await runCli(['deploy', '--cert', join(dir, 'tls.crt'), '--key', join(dir, 'tls.key')], {
    ...env,
    BELUGA_HOOK_STATE_DIR: join(root, claimRoot),
  });
  t.not(r.code, 0, 'refused');
  t.match(r.stderr, /writable by group or others/, 'because the group may write there');
});

t.test(
  "the manifest's own command over that layout: one list call, one PUT per Secret, one Slack message",
  async (t) => {
    const sb = await beluga(t);
    const { root, env } = await podLayout(t, sb);
    const args: string[] = container.command
      .slice(1)
      .map((w: string, i: number, all: string[]) => (SYNC_PATH_FLAGS.includes(all[i - 1]) ? join(root, w) : w));
    const r = await runCli(args, env);
    t.equal(r.code, 0, r.stderr);
    t.equal(sb.requests.filter((q) => q.method === 'GET').length, 1, 'one list call');
    t.equal(sb.requests.filter((q) => q.method === 'PUT').length, tlsMounts.length, 'one PUT per TLS Secret');
    t.equal(sb.slackMessages.length, 1, 'one Slack message for the run');
    assertNothingSecret(t, sb, r);
  },
);

// ---------------------------------------------------------------------------------------------
// systemd units

type Unit = Map<string, Map<string, string[]>>;

/** systemd's unit syntax, as much as these files use: [Section], Key=Value, # and ; comments, `\` continuations. */
function parseUnit(text: string, name: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i].trim()}`;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header && !unit.has(header[1])) unit.set(header[1], (section = new Map()));
    else {
      const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
      if (!kv || !section)
        throw new Error(`${name} line ${i + 1}: not a new [Section] nor Key=Value inside one: ${line}`);
      section.set(kv[1], [...(section.get(kv[1]) ?? []), kv[2]]);
    }
  }
  return unit;
}

/** The directives these units may use: systemd only warns about a misspelt one, and ignores it. */
const DIRECTIVES: Record<string, string[]> = {
  Unit: ['Description', 'Documentation', 'After', 'Before', 'Wants', 'Requires'],
  Service: [
    'Type',
    'ExecStart',
    'Environment',
    'EnvironmentFile',
    'User',
    'Group',
    'StateDirectory',
    'StateDirectoryMode',
    'UMask',
    'NoNewPrivileges',
    'PrivateTmp',
    'ProtectSystem',
    'ProtectHome',
    'ReadOnlyPaths',
    'ReadWritePaths',
    'TimeoutStartSec',
  ],
  Timer: [
    'OnCalendar',
    'OnBootSec',
    'OnStartupSec',
    'OnActiveSec',
    'OnUnitActiveSec',
    'OnUnitInactiveSec',
    'RandomizedDelaySec',
    'AccuracySec',
    'FixedRandomDelay',
    'Persistent',
    'Unit',
  ],
  Install: ['WantedBy', 'RequiredBy', 'Also'],
};
const TIMESPAN = /^(\d+\s*(us|ms|s|sec|seconds?|m|min|minutes?|h|hr|hours?|d|days?)?\s*)+$/;
const one = (unit: Unit, section: string, key: string) => unit.get(section)?.get(key)?.at(-1);
const unitFiles = readdirSync(SYSTEMD_DIR)
  .filter((f) => /\.(service|timer)$/.test(f))
  .sort();
const units = new Map(unitFiles.map((f) => [f, parseUnit(readFileSync(join(SYSTEMD_DIR, f), 'utf8'), f)]));

t.test('the unit parser refuses what systemd would not read', async (t) => {
  t.throws(() => parseUnit('Description=x\n', 'a'), /line 1/, 'a key before any section');
  t.throws(() => parseUnit('[Unit]\nDescription x\n', 'b'), /line 2/, 'a line without =');
  t.throws(() => parseUnit('[Unit]\n[Unit]\n', 'c'), /line 2/, 'a section twice');
  t.same(parseUnit('[Service]\nExecStart=/bin/a \\\n  b\n', 'd').get('Service')?.get('ExecStart'), ['/bin/a  b']);
});

t.test('systemd units: the retry and sync pairs are shipped, every directive is one systemd knows', async (t) => {
  for (const f of [
    'beluga-cert-retry.service',
    'beluga-cert-retry.timer',
    'beluga-cert-sync.service',
    'beluga-cert-sync.timer',
  ]) {
    t.ok(units.has(f), `${f} is shipped`);
  }
  for (const [file, unit] of units) {
    for (const [section, keys] of unit) {
      t.ok(section in DIRECTIVES, `${file}: [${section}] is a section of such a unit`);
      for (const key of keys.keys()) t.ok(DIRECTIVES[section]?.includes(key), `${file}: [${section}] ${key}`);
    }
    t.ok(one(unit, 'Unit', 'Description'), `${file}: [Unit] Description`);
  }
});

t.test(
  'services: oneshot, an absolute ExecStart running their own subcommand, hardened, no secret inline',
  async (t) => {
    for (const [file, unit] of [...units].filter(([f]) => f.endsWith('.service'))) {
      t.same([...unit.keys()], ['Unit', 'Service'], `${file}: [Unit] and [Service]; no [Install]: its timer starts it`);
      t.equal(one(unit, 'Service', 'Type'), 'oneshot', `${file}: Type=oneshot`);
      const exec = unit.get('Service')?.get('ExecStart') ?? [];
      t.equal(exec.length, 1, `${file}: one ExecStart`);
      const words = (exec[0] ?? '')
        .replace(/^[-@:+!]+/, '')
        .trim()
        .split(/\s+/);
      t.ok(posix.isAbsolute(words[0]), `${file}: ExecStart runs ${words[0]}, an absolute path`);
      t.equal(posix.basename(words[0]), 'beluga-cert', `${file}: runs beluga-cert`);
      t.equal(
        words[1],
        file.replace(/^beluga-cert-/, '').replace(/\.service$/, ''),
        `${file}: the subcommand the unit is named after`,
      );
      if (words[1] === 'sync') checkSyncArgs(t, words.slice(2));
      const expected = {
        StateDirectory: 'beluga-cert-hook',
        StateDirectoryMode: '0700',
        UMask: '0077',
        NoNewPrivileges: 'yes',
        PrivateTmp: 'yes',
      };
      for (const [key, value] of Object.entries(expected))
        t.equal(one(unit, 'Service', key), value, `${file}: ${key}=${value}`);
      t.match(one(unit, 'Service', 'ProtectSystem'), /^(full|strict)$/, `${file}: ProtectSystem`);
      t.match(one(unit, 'Service', 'TimeoutStartSec'), TIMESPAN, `${file}: a run is bounded`);
      t.equal(one(unit, 'Unit', 'After'), 'network-online.target', `${file}: After=network-online.target`);
      t.equal(one(unit, 'Unit', 'Wants'), 'network-online.target', `${file}: Wants=network-online.target`);
      const names = (unit.get('Service')?.get('Environment') ?? []).flatMap((v) =>
        [...v.matchAll(/(?:^|\s)["']?([A-Za-z_]\w*)=/g)].map((m) => m[1]),
      );
      for (const name of names) {
        t.ok((SETTING_NAMES as readonly string[]).includes(name), `${file}: Environment=${name} is a setting`);
        t.notOk(
          (SECRET_NAMES as readonly string[]).includes(name),
          `${file}: ${name} belongs in the 0600 env file, not in the unit`,
        );
      }
    }
  },
);

t.test('timers: a trigger, a random delay, catch-up after downtime, and a service to start', async (t) => {
  for (const [file, unit] of [...units].filter(([f]) => f.endsWith('.timer'))) {
    t.same([...unit.keys()], ['Unit', 'Timer', 'Install'], `${file}: [Unit], [Timer], [Install]`);
    const service = one(unit, 'Timer', 'Unit') ?? file.replace(/\.timer$/, '.service');
    t.ok(existsSync(join(SYSTEMD_DIR, service)), `${file} starts ${service}, which is shipped beside it`);
    const triggers = [
      'OnCalendar',
      'OnBootSec',
      'OnStartupSec',
      'OnActiveSec',
      'OnUnitActiveSec',
      'OnUnitInactiveSec',
    ].filter((k) => one(unit, 'Timer', k));
    t.ok(triggers.length > 0, `${file}: a trigger`);
    for (const k of triggers.filter((k) => k !== 'OnCalendar'))
      t.match(one(unit, 'Timer', k), TIMESPAN, `${file}: ${k}`);
    const calendar = one(unit, 'Timer', 'OnCalendar');
    if (calendar)
      t.match(calendar, /^(minutely|hourly|daily|weekly|monthly|\S*\d+:\d+\S*.*)$/, `${file}: OnCalendar=${calendar}`);
    t.match(one(unit, 'Timer', 'RandomizedDelaySec'), TIMESPAN, `${file}: RandomizedDelaySec`);
    t.equal(one(unit, 'Timer', 'Persistent'), 'true', `${file}: Persistent=true`);
    t.equal(one(unit, 'Install', 'WantedBy'), 'timers.target', `${file}: WantedBy=timers.target`);
  }
  for (const file of units.keys()) {
    if (!file.endsWith('.service')) continue;
    const timers = [...units].filter(
      ([f, u]) => f.endsWith('.timer') && (one(u, 'Timer', 'Unit') ?? f.replace(/\.timer$/, '.service')) === file,
    );
    t.equal(timers.length, 1, `${file} has its timer`);
  }
});
