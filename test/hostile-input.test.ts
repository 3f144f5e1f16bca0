/**
 * A corpus of hostile inputs to `beluga-cert deploy`, each run as a child process against the
 * sandbox: broken or wrong files, odd paths and domains, insecure or invalid settings. Every one
 * must end in exactly one line on stderr with its own exit code and a message naming the problem,
 * with no request to Beluga and nothing secret printed. A few odd but valid inputs must work.
 * Cases marked todo assert the right behaviour for a bug that is still open: they run, and their
 * failing assertions are reported as todo (a todo subtest would not run at all in tap 21).
 */
import t, { type Test } from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { EXIT, type ErrorCode } from '../src/errors.js';
import { CLI, FIXTURES, fixture, fixtureText, runCli, type CliResult } from './helpers/run-cli.js';
import { EXAMPLE_RECORD } from './helpers/example-record.js';

const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };
const BASIC = { username: 'ops@example.com', password: 'basic-password-987' };
const HOSTILE_WEBHOOK = 'http://hooks.example.com/services/T0/B0/hostile-webhook-token-42';
const BARE_WEBHOOK = 'hooks.slack.com/services/T0/B0/hostile-webhook-token-43';
const IDN = 'xn--bcher-kva.example';
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** The base64 lines of every private key fixture: none may ever be printed. */
const keyLines = (await readdir(FIXTURES))
  .filter((name) => name.endsWith('.key'))
  .flatMap((name) => fixtureText(name).split('\n'))
  .filter((line) => /^[A-Za-z0-9+/=]{20,}$/.test(line.trim()));

const dir = await mkdtemp(join(tmpdir(), 'bch-hostile-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
// Traversable by the unprivileged user that the no-permission case runs as under root.
await chmod(dir, 0o755);
const at = (name: string) => join(dir, name);

/** Hostile files made from the committed fixtures (no new key material). */
async function makeFiles(): Promise<void> {
  const leaf = fixtureText('ec256.crt');
  await writeFile(at('blank.crt'), ' \n\t\n\n');
  await writeFile(at('huge.crt'), leaf.repeat(Math.ceil((5 * 1024 * 1024) / leaf.length)));
  await mkdir(at('a-directory.crt'));
  await symlink(at('gone.crt'), at('dangling.crt'));
  await symlink(at('loop-b.crt'), at('loop-a.crt'));
  await symlink(at('loop-a.crt'), at('loop-b.crt'));
  execFileSync('mkfifo', [at('fifo.crt')]);
  await copyFile(fixture('ec256.crt'), at('no-read.crt'));
  // Root reads anything, so under root the case runs as nobody against a file only root may read.
  await chmod(at('no-read.crt'), isRoot ? 0o600 : 0o000);
  execFileSync('openssl', [
    'req',
    '-new',
    '-key',
    fixture('ec256.pkcs8.key'),
    '-subj',
    '/CN=example.com',
    '-out',
    at('request.csr'),
  ]);
  execFileSync('openssl', ['crl2pkcs7', '-nocrl', '-certfile', fixture('ec256.crt'), '-out', at('bundle.p7b')]);
  execFileSync('openssl', ['pkey', '-in', fixture('ec256.pkcs8.key'), '-pubout', '-out', at('public.key')]);
  await writeFile(
    at('openssh.key'),
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n-----END OPENSSH PRIVATE KEY-----\n',
  );
  await writeFile(at('truncated.crt'), `${leaf.slice(0, 300)}\n-----END CERTIFICATE-----\n`);
  await copyFile(fixture('expired.crt'), at('line\nbreak.crt'));
  // A leaf for the punycode name, self-signed with a committed key: CA:FALSE like any leaf.
  await writeFile(
    at('idn.cnf'),
    `[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=${IDN}\n[leaf]\nbasicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:${IDN}\n`,
  );
  execFileSync('openssl', [
    'req',
    '-x509',
    '-new',
    '-config',
    at('idn.cnf'),
    '-extensions',
    'leaf',
    '-key',
    fixture('ec256.pkcs8.key'),
    '-days',
    '2',
    '-out',
    at('idn.crt'),
  ]);
  await mkdir(at('odd dir ü 证书'));
  await copyFile(fixture('ec256.bundle.crt'), at('odd dir ü 证书/my cert.crt'));
  await copyFile(fixture('ec256.sec1.key'), at('odd dir ü 证书/my key.key'));
  await mkdir(at('cwd'));
  await copyFile(fixture('ec256.bundle.crt'), at('cwd/rel.crt'));
  await copyFile(fixture('ec256.sec1.key'), at('cwd/rel.key'));
  const config = async (name: string, text: string, mode: number) => {
    await writeFile(at(name), text);
    await chmod(at(name), mode);
  };
  await config('group-readable.env', `BELUGA_TOKEN_SECRET=${TOKEN.tokenSecret}\n`, 0o640);
  await config('world-readable.env', `BELUGA_TOKEN_SECRET=${TOKEN.tokenSecret}\n`, 0o604);
  await config('broken-line.env', `BELUGA_TOKEN_SECRET ${TOKEN.tokenSecret}\n`, 0o600);
}
await makeFiles();

interface RunAs {
  cwd?: string;
  uid?: number;
}

/** runCli, plus a working directory or a user (run-cli.ts takes neither). */
function run(args: string[], env: Record<string, string | undefined>, as: RunAs = {}): Promise<CliResult> {
  if (as.cwd === undefined && as.uid === undefined) return runCli(args, env);
  // tap's coverage hook joins every child through NODE_OPTIONS and would fail to write its
  // record as another user: `env -u` keeps it out of a child run as nobody.
  const [file, argv] =
    as.uid === undefined
      ? [process.execPath, [CLI, ...args]]
      : ['env', ['-u', 'NODE_OPTIONS', process.execPath, CLI, ...args]];
  return new Promise((resolve) => {
    execFile(
      file,
      argv,
      {
        env: { PATH: process.env.PATH, BELUGA_HOOK_CONFIG: 'none', ...env },
        cwd: as.cwd,
        uid: as.uid,
        gid: as.uid,
        timeout: 60_000,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Whether nobody can run the CLI at all here (a home folder of 0700 would stop it). */
const nobodyCanRun = isRoot && (await run(['--version'], {}, { uid: NOBODY })).code === 0;

/** A sandbox holding one example.com record, and the environment pointing at it. */
async function sandbox(t: Test): Promise<{ sb: Sandbox; env: Record<string, string> }> {
  const sb = await startSandbox({
    credentials: { ...TOKEN, ...BASIC },
    records: [EXAMPLE_RECORD],
  });
  t.teardown(() => sb.close());
  const env = {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    SLACK_WEBHOOK_URL: sb.slackUrl,
    // A journal folder of its own: never /var/lib/beluga-cert-hook, never shared between cases.
    BELUGA_HOOK_STATE_DIR: await mkdtemp(join(dir, 'state-')),
  };
  return { sb, env };
}

/** Nothing secret on stdout, stderr or in what Slack got. */
function assertNoSecrets(t: Test, sb: Sandbox, r: CliResult, extra: string[] = []): void {
  const webhookToken = sb.slackUrl.split('/').pop() as string;
  const secrets = [TOKEN.tokenSecret, BASIC.password, sb.slackUrl, webhookToken, ...extra, ...keyLines];
  const printed = r.stdout + r.stderr;
  const slack = JSON.stringify(sb.slackMessages);
  t.same(
    secrets.filter((s) => printed.includes(s)).map((s) => `${s.slice(0, 8)}…`),
    [],
    'nothing secret printed',
  );
  t.same(
    secrets.filter((s) => slack.includes(s)).map((s) => `${s.slice(0, 8)}…`),
    [],
    'nothing secret sent to Slack',
  );
}

const ec = ['--cert', fixture('ec256.crt'), '--key', fixture('ec256.sec1.key')];
const withCert = (cert: string) => ['--cert', cert, '--key', fixture('ec256.sec1.key')];
const withKey = (key: string, cert = fixture('ec256.crt')) => ['--cert', cert, '--key', key];

interface Refusal {
  name: string;
  args: string[];
  env?: Record<string, string | undefined>;
  as?: RunAs;
  code: ErrorCode;
  message: RegExp;
  secrets?: string[];
  todo?: string;
  skip?: string | false;
}

const refusals: Refusal[] = [
  // Files.
  {
    name: 'empty certificate file',
    args: withCert(fixture('empty.crt')),
    code: 'FILE_UNREADABLE',
    message: /empty\.crt.*empty/,
  },
  {
    name: 'certificate file of white space only',
    args: withCert(at('blank.crt')),
    code: 'FILE_UNREADABLE',
    message: /blank\.crt.*empty/,
  },
  {
    name: 'binary garbage',
    args: withCert(fixture('garbage.crt')),
    code: 'NOT_PEM',
    message: /garbage\.crt holds no PEM block/,
  },
  {
    name: '5 MiB of PEM-looking text',
    args: withCert(at('huge.crt')),
    code: 'FILE_UNREADABLE',
    message: /huge\.crt.*\d+ bytes, far too large/,
  },
  {
    name: 'a directory',
    args: withCert(at('a-directory.crt')),
    code: 'FILE_UNREADABLE',
    message: /a-directory\.crt: it is a directory/,
  },
  {
    name: 'a dangling symlink',
    args: withCert(at('dangling.crt')),
    code: 'FILE_UNREADABLE',
    message: /dangling\.crt: it does not exist/,
  },
  {
    name: 'a symlink loop',
    args: withCert(at('loop-a.crt')),
    code: 'FILE_UNREADABLE',
    message: /loop-a\.crt: it is a symlink loop/,
  },
  {
    name: 'a FIFO (would block a reader forever)',
    args: withCert(at('fifo.crt')),
    code: 'FILE_UNREADABLE',
    message: /fifo\.crt: it is not a regular file/,
  },
  {
    name: 'a device',
    args: withCert('/dev/zero'),
    code: 'FILE_UNREADABLE',
    message: /\/dev\/zero: it is not a regular file/,
  },
  {
    name: 'no read permission',
    args: withCert(at('no-read.crt')),
    as: isRoot ? { uid: NOBODY } : {},
    code: 'FILE_UNREADABLE',
    message: /no-read\.crt: permission denied/,
    skip:
      isRoot &&
      !nobodyCanRun &&
      'running as root, and uid 65534 cannot run the CLI here to stand in for an unprivileged user',
  },
  {
    name: 'two keys in one file',
    args: withKey(fixture('two-keys.key')),
    code: 'NOT_PEM',
    message: /two-keys\.key holds 2 private keys/,
  },
  {
    name: 'cert and key swapped',
    args: ['--cert', fixture('ec256.sec1.key'), '--key', fixture('ec256.crt')],
    code: 'NOT_PEM',
    message: /certificate file .*ec256\.sec1\.key holds only EC PRIVATE KEY blocks, no certificate/,
  },
  {
    name: 'encrypted PKCS#8 key',
    args: withKey(fixture('encrypted-pkcs8.key')),
    code: 'KEY_ENCRYPTED',
    message: /encrypted-pkcs8\.key is encrypted with a passphrase/,
  },
  {
    name: 'encrypted traditional key (Proc-Type)',
    args: withKey(fixture('encrypted-traditional.key'), fixture('rsa2048.crt')),
    code: 'KEY_ENCRYPTED',
    message: /encrypted-traditional\.key is encrypted with a passphrase/,
  },
  {
    name: 'DER certificate',
    args: withCert(fixture('ec256.der')),
    code: 'NOT_PEM',
    message: /ec256\.der looks like DER.*openssl x509 -inform der/,
  },
  {
    name: 'DER key',
    args: withKey(fixture('ec256.key.der')),
    code: 'NOT_PEM',
    message: /ec256\.key\.der looks like DER.*openssl pkey -inform der/,
  },
  {
    name: 'Ed25519 key',
    args: withKey(fixture('ed25519.key'), fixture('ed25519.crt')),
    code: 'KEY_UNSUPPORTED',
    message: /unsupported key \(Ed25519\)/,
  },
  {
    name: 'RSA 1024 key',
    args: withKey(fixture('rsa1024.key'), fixture('rsa1024.crt')),
    code: 'KEY_UNSUPPORTED',
    message: /unsupported key \(RSA 1024\)/,
  },
  {
    name: 'OpenSSH private key',
    args: withKey(at('openssh.key')),
    code: 'KEY_UNSUPPORTED',
    message: /openssh\.key holds an unsupported key \(OPENSSH PRIVATE KEY\)/,
  },
  {
    name: 'a public key as the key',
    args: withKey(at('public.key')),
    code: 'NOT_PEM',
    message: /public\.key holds only PUBLIC KEY blocks, no private key/,
  },
  {
    name: 'the key of another certificate',
    args: withKey(fixture('other.key')),
    code: 'KEY_MISMATCH',
    message: /other\.key .*does not belong to certificate/,
  },
  {
    name: 'expired',
    args: withKey(fixture('expired.key'), fixture('expired.crt')),
    code: 'CERT_EXPIRED',
    message: /expired\.crt expired on 2021-01-01/,
  },
  {
    name: 'not yet valid',
    args: withKey(fixture('notyet.key'), fixture('notyet.crt')),
    code: 'CERT_NOT_YET_VALID',
    message: /notyet\.crt .*not valid until 2100/,
  },
  {
    name: 'chain with an unrelated certificate',
    args: [...ec, '--chain', fixture('unrelated.crt')],
    code: 'CHAIN_INVALID',
    message: /unrelated\.crt holds certificate ".*Unrelated Test CA", which does not link/,
  },
  {
    name: 'chain that is a private key',
    args: [...ec, '--chain', fixture('ec256.sec1.key')],
    code: 'NOT_PEM',
    message: /chain file .*ec256\.sec1\.key holds only EC PRIVATE KEY blocks, no certificate/,
  },
  {
    name: 'certificate file holding only a CSR',
    args: withCert(at('request.csr')),
    code: 'NOT_PEM',
    message: /request\.csr holds only CERTIFICATE REQUEST blocks/,
  },
  {
    name: 'certificate file holding a PKCS#7 bundle',
    args: withCert(at('bundle.p7b')),
    code: 'NOT_PEM',
    message: /bundle\.p7b holds a PKCS7 bundle.*openssl pkcs7 -print_certs/,
  },
  {
    name: 'truncated certificate',
    args: withCert(at('truncated.crt')),
    code: 'NOT_PEM',
    message: /truncated\.crt: CERTIFICATE block 1 does not parse/,
  },
  {
    name: 'certificate file holding only intermediates (CA certificates)',
    args: withCert(fixture('chain.pem')),
    code: 'NOT_PEM',
    message: /chain\.pem holds only CA certificates.*no (server|leaf) certificate/,
  },
  // Environment and command line.
  {
    name: 'missing credentials',
    args: ec,
    env: { BELUGA_TOKEN_ID: undefined, BELUGA_TOKEN_SECRET: undefined },
    code: 'CONFIG',
    message: /missing settings: BELUGA_TOKEN_ID and BELUGA_TOKEN_SECRET \(or BELUGA_USERNAME and BELUGA_PASSWORD\)/,
  },
  {
    name: 'relative path missing from the working directory',
    args: ['--cert', 'nope.crt', '--key', 'rel.key'],
    as: { cwd: at('cwd') },
    code: 'FILE_UNREADABLE',
    message: /certificate file nope\.crt: it does not exist/,
  },
  {
    name: 'a path with a newline (one line all the same)',
    args: withKey(fixture('expired.key'), at('line\nbreak.crt')),
    code: 'CERT_EXPIRED',
    message: /line break\.crt expired/,
  },
  {
    name: 'a path with a terminal escape',
    args: withCert(at('\u001b[2Jwiped.crt')),
    code: 'FILE_UNREADABLE',
    message: /wiped\.crt: it does not exist/,
  },
  {
    name: '--domain not among the names',
    args: [...ec, '--domain', 'example.org'],
    code: 'DOMAIN_NOT_IN_CERT',
    message: /does not cover example\.org; its names are: example\.com, www\.example\.com/,
  },
  {
    name: '--domain an IDN the certificate does not hold',
    args: [...ec, '--domain', 'bücher.example'],
    code: 'DOMAIN_NOT_IN_CERT',
    message: /does not cover (bücher|xn--bcher-kva)\.example/,
  },
  {
    name: '--domain with a newline',
    args: [...ec, '--domain', 'evil\nexample.com'],
    code: 'DOMAIN_NOT_IN_CERT',
    message: /does not cover evil example\.com/,
  },
  {
    name: '--domain with a terminal escape',
    args: [...ec, '--domain', '\u001b[31mevil.example'],
    code: 'DOMAIN_NOT_IN_CERT',
    message: /does not cover .*evil\.example/,
  },
  {
    name: 'an empty --domain',
    args: [...ec, '--domain', ''],
    code: 'USAGE',
    message: /--domain.*empty/,
  },
  {
    name: '--cert given twice',
    args: ['--cert', fixture('ec256.crt'), ...withCert(fixture('rsa2048.crt'))],
    code: 'USAGE',
    message: /--cert/,
  },
  // Configuration.
  {
    name: 'group-readable config file holding a secret',
    args: ec,
    env: { BELUGA_TOKEN_SECRET: undefined, BELUGA_HOOK_CONFIG: at('group-readable.env') },
    code: 'CONFIG',
    message: /holds secrets \(BELUGA_TOKEN_SECRET\) but its mode 0640 .*chmod 600/,
  },
  {
    name: 'world-readable config file holding a secret',
    args: ec,
    env: { BELUGA_TOKEN_SECRET: undefined, BELUGA_HOOK_CONFIG: at('world-readable.env') },
    code: 'CONFIG',
    message: /holds secrets \(BELUGA_TOKEN_SECRET\) but its mode 0604 .*chmod 600/,
  },
  {
    name: 'config line that is not KEY=VALUE, holding a secret',
    args: ec,
    env: { BELUGA_TOKEN_SECRET: undefined, BELUGA_HOOK_CONFIG: at('broken-line.env') },
    code: 'CONFIG',
    message: /broken-line\.env line 1 is not KEY=VALUE/,
  },
  {
    name: 'BELUGA_HOOK_CONFIG naming a directory',
    args: ec,
    env: { BELUGA_HOOK_CONFIG: at('a-directory.crt') },
    code: 'CONFIG',
    message: /config file .*a-directory\.crt is not a regular file/,
  },
  {
    name: 'BELUGA_BASE_URL http:// to a non-loopback host',
    args: ec,
    env: { BELUGA_BASE_URL: 'http://api.belugacdn.example' },
    code: 'CONFIG',
    message: /BELUGA_BASE_URL uses http:\/\/ to a non-loopback host.*use https:\/\//,
  },
  {
    name: 'BELUGA_BASE_URL ftp://',
    args: ec,
    env: { BELUGA_BASE_URL: 'ftp://127.0.0.1/' },
    code: 'CONFIG',
    message: /BELUGA_BASE_URL must be an https:\/\/ URL/,
  },
  {
    name: 'BELUGA_BASE_URL unparsable',
    args: ec,
    env: { BELUGA_BASE_URL: 'https://[::1' },
    code: 'CONFIG',
    message: /BELUGA_BASE_URL is not a URL/,
  },
  {
    name: 'BELUGA_SEND_CHAIN=maybe',
    args: ec,
    env: { BELUGA_SEND_CHAIN: 'maybe' },
    code: 'CONFIG',
    message: /BELUGA_SEND_CHAIN must be true or false \(got maybe\)/,
  },
  {
    name: 'BELUGA_TIMEOUT not a number',
    args: ec,
    env: { BELUGA_TIMEOUT: 'soon' },
    code: 'CONFIG',
    message: /BELUGA_TIMEOUT must be a number of seconds/,
  },
  {
    name: 'BELUGA_TOKEN_ID without its secret',
    args: ec,
    env: { BELUGA_TOKEN_SECRET: undefined },
    code: 'CONFIG',
    message: /missing setting: BELUGA_TOKEN_SECRET \(the token pair needs both\)/,
  },
  {
    name: 'BELUGA_PASSWORD_FILE pointing at a missing file',
    args: ec,
    env: {
      BELUGA_TOKEN_ID: undefined,
      BELUGA_TOKEN_SECRET: undefined,
      BELUGA_USERNAME: BASIC.username,
      BELUGA_PASSWORD_FILE: at('no-such-password'),
    },
    code: 'CONFIG',
    message: /BELUGA_PASSWORD_FILE=.*no-such-password cannot be read \(ENOENT\)/,
  },
  {
    name: 'SLACK_WEBHOOK_URL http:// to a non-loopback host',
    args: ec,
    env: { SLACK_WEBHOOK_URL: HOSTILE_WEBHOOK },
    code: 'CONFIG',
    message: /SLACK_WEBHOOK_URL uses http:\/\/ to a non-loopback host/,
    secrets: [HOSTILE_WEBHOOK, 'hostile-webhook-token-42', 'hooks.example.com'],
  },
  {
    name: 'SLACK_WEBHOOK_URL not a URL',
    args: ec,
    env: { SLACK_WEBHOOK_URL: BARE_WEBHOOK },
    code: 'CONFIG',
    message: /SLACK_WEBHOOK_URL is not a URL/,
    secrets: [BARE_WEBHOOK, 'hostile-webhook-token-43'],
  },
];

t.ok(refusals.length >= 30, `a corpus of ${refusals.length} hostile inputs`);

for (const c of refusals) {
  t.test(c.name, { skip: c.skip || undefined }, async (t) => {
    const todo = { todo: c.todo };
    const { sb, env } = await sandbox(t);
    const r = await run(['deploy', ...c.args], { ...env, ...c.env }, c.as);
    t.equal(r.code, EXIT[c.code], `exit ${EXIT[c.code]} (${c.code}); stderr: ${r.stderr}`, todo);
    t.equal(r.stderr.split('\n').length, 2, 'exactly one line on stderr', todo);
    t.ok(r.stderr.startsWith(`beluga-cert: ${c.code}: `), 'the line starts with the code', todo);
    t.match(r.stderr, c.message, 'the message names what is wrong', todo);
    // eslint-disable-next-line no-control-regex -- the control characters are what this looks for
    t.notMatch(r.stderr.trimEnd(), /[\u0000-\u001f\u007f]/, 'no control characters on the terminal', todo);
    t.same(
      sb.requests.map((q) => `${q.method} ${q.path}`),
      [],
      'no request to Beluga',
      todo,
    );
    // A leak is never a todo.
    assertNoSecrets(t, sb, r, c.secrets);
  });
}

interface Acceptance {
  name: string;
  args: string[];
  env?: Record<string, string>;
  as?: RunAs;
  /** The `read:` line: the domain the run settled on. */
  domain: string;
  todo?: string;
}

const acceptances: Acceptance[] = [
  // A relative path means what it means to the shell that typed it: relative to the working directory.
  {
    name: 'relative paths resolve against the working directory',
    args: ['--cert', 'rel.crt', '--key', 'rel.key'],
    as: { cwd: at('cwd') },
    domain: 'example.com',
  },
  {
    name: 'paths with spaces and non-ASCII characters',
    args: ['--cert', at('odd dir ü 证书/my cert.crt'), '--key', at('odd dir ü 证书/my key.key')],
    domain: 'example.com',
  },
  {
    name: '--domain in upper case with a trailing dot',
    args: [...ec, '--domain', 'WWW.Example.COM.'],
    domain: 'www.example.com',
  },
  {
    name: '--domain in punycode, as the certificate holds it',
    args: withCert(at('idn.crt')).concat('--domain', IDN),
    env: { BELUGA_SITE: 'idn-site' },
    domain: IDN,
  },
  {
    name: '--domain in Unicode for a punycode certificate',
    args: withCert(at('idn.crt')).concat('--domain', 'bücher.example'),
    env: { BELUGA_SITE: 'idn-site' },
    domain: IDN,
  },
];

for (const c of acceptances) {
  t.test(`accepted: ${c.name}`, async (t) => {
    const todo = { todo: c.todo };
    const { sb, env } = await sandbox(t);
    const r = await run(['deploy', ...c.args, '--dry-run'], { ...env, ...c.env }, c.as);
    t.equal(r.code, 0, `exit 0; stderr: ${r.stderr}`, todo);
    t.equal(r.stderr, '', 'nothing on stderr', todo);
    t.ok(r.stdout.startsWith(`read: ${c.domain}: `), `read as ${c.domain}`, todo);
    t.match(r.stdout, /dry run: would (PUT|POST)/, 'a dry run to the end', todo);
    t.same(
      sb.requests.map((q) => q.method),
      ['GET'],
      'one GET, nothing changed',
      todo,
    );
    assertNoSecrets(t, sb, r);
  });
}
