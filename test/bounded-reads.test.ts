/**
 * Every file read from outside is bounded: a device, a FIFO or a huge file named as a secret, the
 * config file, an input file or found as a journal entry ends the read at once with one line, and
 * the process never holds much memory. Memory is the child's own peak (VmHWM from /proc), never
 * a wall-clock limit.
 */
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/index.js';
import { EXIT } from '../src/errors.js';
import { fixture } from './helpers/run-cli.js';
import { runCliMeasured } from './helpers/peak-memory.js';
import { EXAMPLE_RECORD } from './helpers/example-record.js';

/** Far below what reading any of these files whole would take; a bare CLI run peaks near 70 MiB. */
const PEAK_LIMIT_MIB = 150;
const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };
const ec = ['--cert', fixture('ec256.crt'), '--key', fixture('ec256.sec1.key')];

const dir = await mkdtemp(join(tmpdir(), 'bch-bounded-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

/** A sparse file of `bytes`: huge to read, free to make. */
async function sparse(name: string, bytes: number): Promise<string> {
  const handle = await open(at(name), 'w', 0o600);
  await handle.truncate(bytes);
  await handle.close();
  return at(name);
}

execFileSync('mkfifo', [at('secret.fifo')]);
execFileSync('mkfifo', [at('config.fifo')]);
const hugeSecret = await sparse('huge-secret', 400 * 1024 * 1024);
const hugeConfig = await sparse('huge-config', 400 * 1024 * 1024);
const hugeKey = await sparse('huge.key', 400 * 1024 * 1024);

function assertOneLineQuickly(
  t: Test,
  r: { code: number; stderr: string; peakMiB?: number },
  code: number,
  message: RegExp,
): void {
  t.equal(r.code, code, `exit ${code}`);
  const lines = r.stderr.trimEnd().split('\n');
  t.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
  t.match(lines[0], message);
  t.ok(
    r.peakMiB !== undefined && r.peakMiB < PEAK_LIMIT_MIB,
    `peak memory ${r.peakMiB?.toFixed(1)} MiB stays under ${PEAK_LIMIT_MIB} MiB`,
  );
}

const secretCases: Array<[string, string, RegExp]> = [
  ['a device that never ends (/dev/zero)', '/dev/zero', /BELUGA_PASSWORD_FILE=\/dev\/zero is not a regular file/],
  ['a FIFO with no writer', at('secret.fifo'), /BELUGA_PASSWORD_FILE=\S+secret\.fifo is not a regular file/],
  ['a 400 MiB file', hugeSecret, /BELUGA_PASSWORD_FILE=\S+huge-secret is larger than 64 KiB, too large for a secret/],
];
for (const [name, path, message] of secretCases) {
  t.test(`secret file: ${name} is refused with one CONFIG line`, async (t) => {
    const r = await runCliMeasured(['deploy', ...ec], {
      BELUGA_BASE_URL: 'http://127.0.0.1:9',
      BELUGA_USERNAME: 'ops',
      BELUGA_PASSWORD_FILE: path,
    });
    assertOneLineQuickly(t, r, EXIT.CONFIG, message);
  });
}

const configCases: Array<[string, string, RegExp]> = [
  ['a device', '/dev/zero', /config file \/dev\/zero is not a regular file/],
  ['a FIFO', at('config.fifo'), /config file \S+config\.fifo is not a regular file/],
  ['a 400 MiB file', hugeConfig, /config file \S+huge-config is larger than 256 KiB/],
];
for (const [name, path, message] of configCases) {
  t.test(`config file: ${name} is refused with one CONFIG line`, async (t) => {
    const r = await runCliMeasured(['deploy', ...ec], { BELUGA_HOOK_CONFIG: path });
    assertOneLineQuickly(t, r, EXIT.CONFIG, message);
  });
}

t.test('input files: a device or a 400 MiB key is refused with one FILE_UNREADABLE line', async (t) => {
  const env = {
    BELUGA_BASE_URL: 'http://127.0.0.1:9',
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
  };
  const device = await runCliMeasured(['deploy', '--cert', fixture('ec256.crt'), '--key', '/dev/zero'], env);
  assertOneLineQuickly(t, device, EXIT.FILE_UNREADABLE, /cannot read key file \/dev\/zero: it is not a regular file/);
  const huge = await runCliMeasured(['deploy', '--cert', fixture('ec256.crt'), '--key', hugeKey], env);
  assertOneLineQuickly(
    t,
    huge,
    EXIT.FILE_UNREADABLE,
    /cannot read key file \S+huge\.key: it is \d+ bytes, far too large for a key file/,
  );
});

t.test('SMTP_CA_FILE: a FIFO or a 400 MiB file fails the e-mail with one line, at once', async (t) => {
  const smtp = {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: '9',
    SMTP_SECURITY: 'none',
    MAIL_FROM: 'certs@example.com',
    MAIL_TO: 'ops@example.com',
  };
  execFileSync('mkfifo', [at('ca.fifo')]);
  for (const [path, why] of [
    [at('ca.fifo'), 'is not a regular file'],
    [await sparse('huge-ca.pem', 400 * 1024 * 1024), 'is larger than 1 MiB'],
  ]) {
    const r = await runCliMeasured(['notify-test'], { ...smtp, SMTP_CA_FILE: path });
    t.equal(r.code, EXIT.NOTIFY_FAILED, r.stderr);
    t.match(r.stdout + r.stderr, `FAILED email: could not set up the SMTP client: SMTP_CA_FILE=${path} ${why}`);
    t.ok(
      r.peakMiB !== undefined && r.peakMiB < PEAK_LIMIT_MIB,
      `peak memory ${r.peakMiB?.toFixed(1)} MiB stays under ${PEAK_LIMIT_MIB} MiB`,
    );
  }
});

/** A valid journal entry for domain:example.com, pending, with `count` failed attempts (about 240 bytes each). */
async function writeEntry(path: string, count: number): Promise<void> {
  const fingerprint = Array.from({ length: 32 }, () => 'AB').join(':');
  const files = { cert: fixture('ec256.crt'), key: fixture('ec256.sec1.key') };
  const head = JSON.stringify({
    key: 'domain:example.com',
    domain: 'example.com',
    pending: {
      fingerprint256: fingerprint,
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2125-01-01T00:00:00.000Z',
      names: ['example.com'],
      since: '2026-01-01T00:00:00.000Z',
      files,
      allowNameLoss: false,
    },
  }).slice(0, -1);
  const attempt = (n: number) =>
    JSON.stringify({
      at: '2026-01-02T00:00:00.000Z',
      fingerprint256: fingerprint,
      code: 'REMOTE_UNAVAILABLE',
      error: `beluga: list certificates: HTTP 503 (attempt ${n})`,
    });
  const handle = await open(path, 'w', 0o600);
  await handle.write(`${head},"attempts":[`);
  const chunk = 10_000;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    await handle.write(
      `${start === 0 ? '' : ','}${Array.from({ length: n }, (_, i) => attempt(start + i + 1)).join(',')}`,
    );
  }
  await handle.write(']}\n');
  await handle.close();
}

t.test('a journal entry of 500,000 attempts (some 120 MB) is set aside unread, and the deploy goes on', async (t) => {
  const sb = await startSandbox({
    credentials: TOKEN,
    records: [EXAMPLE_RECORD],
  });
  t.teardown(() => sb.close());
  const state = await mkdtemp(join(dir, 'state-'));
  await chmod(state, 0o700);
  const entry = join(state, 'domain_example.com.json');
  await writeEntry(entry, 500_000);
  const r = await runCliMeasured(['deploy', ...ec], {
    BELUGA_BASE_URL: sb.url,
    BELUGA_TOKEN_ID: TOKEN.tokenId,
    BELUGA_TOKEN_SECRET: TOKEN.tokenSecret,
    BELUGA_HOOK_STATE_DIR: state,
  });
  t.equal(r.code, EXIT.OK, r.stderr);
  const warnings = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('journal file'));
  t.equal(warnings.length, 1, 'one line about the entry');
  t.match(
    warnings[0],
    /journal file \S+domain_example\.com\.json is corrupt \(it is \d+ bytes, more than the 1 MiB an entry may hold\); moved it to \S+\.corrupt-/,
  );
  t.ok(
    r.peakMiB !== undefined && r.peakMiB < PEAK_LIMIT_MIB,
    `peak memory ${r.peakMiB?.toFixed(1)} MiB stays under ${PEAK_LIMIT_MIB} MiB`,
  );
  const names = await readdir(state);
  t.ok(
    names.some((n) => n.startsWith('domain_example.com.json.corrupt-')),
    'the oversized file is kept beside, for a person to look at',
  );
  t.ok(existsSync(entry), 'a fresh entry records this deploy');
});

t.test('an entry holding more attempts than are kept is read with the last 50 only', async (t) => {
  const state = await mkdtemp(join(dir, 'state-'));
  await chmod(state, 0o700);
  await writeEntry(join(state, 'domain_example.com.json'), 3000);
  const r = await runCliMeasured(['pending', '--json'], { BELUGA_HOOK_STATE_DIR: state });
  t.equal(r.code, EXIT.OK, r.stderr);
  const [pending] = JSON.parse(r.stdout) as Array<{ failedAttempts: number; lastError: { error: string } }>;
  t.equal(pending?.failedAttempts, 50);
  t.match(pending?.lastError.error, /\(attempt 3000\)$/, 'the newest attempts are the ones kept');
});
