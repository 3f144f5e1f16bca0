import t, { type Test } from 'tap';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneLine } from '../src/errors.js';
import { baseName, entryFileName } from '../src/journal/file-names.js';
import {
  DEFAULT_STATE_DIR,
  journalKey,
  openJournal,
  type JournalDeps,
  type JournalEntry,
} from '../src/journal/index.js';
import { fixtureText } from './helpers/run-cli.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const ASIDE_SUFFIX = '.corrupt-2025-06-01T12:00:00.000Z';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bch-journal-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A journal in a fresh state directory, with every warning collected. */
async function setup(t: Test, deps: Partial<JournalDeps> = {}) {
  const dir = join(await tempDir(t), 'state');
  const warnings: string[] = [];
  const journal = await openJournal(dir, { now: () => NOW, onWarning: (line) => warnings.push(line), ...deps });
  return { dir, journal, warnings };
}

const when = '2025-05-01T00:00:00.000Z';
const files = {
  cert: '/etc/ssl/example/cert.pem',
  key: '/etc/ssl/example/key.pem',
  chain: '/etc/ssl/example/chain.pem',
};
const ref = {
  fingerprint256: 'AB:CD:EF',
  notBefore: when,
  notAfter: '2025-08-01T00:00:00.000Z',
  names: ['*.example.com', 'example.com'],
};
const attempt = (n: number) => ({
  at: when,
  fingerprint256: 'AB:CD:EF',
  code: 'REMOTE_UNAVAILABLE',
  error: `beluga: upload attempt ${n}: HTTP 503`,
});

function sample(over: Partial<JournalEntry> = {}): JournalEntry {
  return {
    key: 'domain:*.example.com',
    domain: '*.example.com',
    deployed: { ...ref, at: when, recordId: '1234', files },
    pending: { ...ref, since: when, files: { cert: files.cert, key: files.key }, allowNameLoss: false },
    attempts: [attempt(1)],
    ...over,
  };
}

t.test('keys and file names', async (t) => {
  t.equal(DEFAULT_STATE_DIR, '/var/lib/beluga-cert-hook');
  t.equal(journalKey({ certId: '1234', domain: 'Example.COM' }), 'id:1234');
  t.equal(journalKey({ domain: '*.Example.COM' }), 'domain:*.example.com');
  t.equal(journalKey({ certId: '', domain: 'a.example' }), 'domain:a.example', 'an empty id is no pin');
  t.equal(entryFileName('domain:*.example.com'), 'domain__2a.example.com.json');
  t.equal(entryFileName('id:12_34'), 'id_12_5f34.json', 'the escape character itself is escaped');
  t.equal(baseName('domain:xn--bcher-kva.example'), 'domain_xn--bcher-kva.example');
  t.equal(baseName('domain:bücher'), 'domain_b_c3_bccher', 'UTF-8 bytes');
  t.throws(() => baseName('example.com'), /not id:<cert id>, domain:<domain> or record:<id>/);
  t.throws(() => baseName('domain:'), /not id:<cert id>, domain:<domain> or record:<id>/);
  const distinct = ['id:A', 'id:_41', 'id:a', 'domain:a', 'domain:a/b', 'domain:a_2fb', 'id:../x'];
  t.equal(new Set(distinct.map(baseName)).size, distinct.length, 'no two keys share a file');
  t.notOk(
    distinct.some((key) => /[/]/.test(baseName(key)) || baseName(key).startsWith('.')),
    'never a path or a hidden file',
  );
  const long = `domain:${'a'.repeat(240)}.example`;
  t.ok(baseName(long).length <= 180, 'long keys are shortened');
  t.not(baseName(long), baseName(`domain:${'a'.repeat(241)}.example`), 'and still distinct');
});

t.test('round trip, overwrite, absent key', async (t) => {
  const { dir, journal, warnings } = await setup(t);
  t.equal(journal.dir, dir);
  t.equal(await journal.read('domain:*.example.com'), undefined);
  await journal.write(sample());
  t.same(await journal.read('domain:*.example.com'), sample());
  const minimal: JournalEntry = { key: 'id:77', domain: 'shop.example.org', attempts: [] };
  await journal.write(minimal);
  const { pending: _, ...deployedOnly } = sample({ attempts: [attempt(1), attempt(2)] });
  await journal.write(deployedOnly);
  t.same(await journal.read('domain:*.example.com'), deployedOnly);
  t.same(await journal.list(), [deployedOnly, minimal], 'sorted by key');
  t.same((await readdir(dir)).sort(), ['domain__2a.example.com.json', 'id_77.json'], 'no temp file left');
  t.same(JSON.parse(await readFile(join(dir, 'id_77.json'), 'utf8')), minimal, 'the key is stored inside');
  t.same(warnings, []);
});

t.test('modes: directory 0700 (parents too), files 0600 whatever the umask', async (t) => {
  const dir = join(await tempDir(t), 'a', 'b', 'state');
  const old = process.umask(0);
  try {
    const journal = await openJournal(dir, { now: () => NOW, onWarning: () => undefined });
    await journal.write(sample());
  } finally {
    process.umask(old);
  }
  t.equal((await stat(dir)).mode & 0o777, 0o700);
  t.equal((await stat(join(dir, '..'))).mode & 0o777, 0o700);
  t.equal((await stat(join(dir, 'domain__2a.example.com.json'))).mode & 0o777, 0o600);
});

t.test('an existing state directory: writable by others refused, readable warned', async (t) => {
  const base = await tempDir(t);
  const open = (dir: string, warnings: string[] = []) =>
    openJournal(dir, { now: () => NOW, onWarning: (l) => warnings.push(l) });
  const configError = (dir: string, pattern: RegExp) =>
    t.rejects(open(dir), { name: 'HookError', code: 'CONFIG', message: pattern });

  for (const mode of [0o777, 0o770, 0o702]) {
    const dir = join(base, `m${mode.toString(8)}`);
    await mkdir(dir);
    await chmod(dir, mode);
    await configError(
      dir,
      new RegExp(
        `^state directory ${dir} is writable by group or others \\(mode 0${mode.toString(8)}\\); chmod 700 it; set BELUGA_HOOK_STATE_DIR`,
      ),
    );
    t.equal((await stat(dir)).mode & 0o777, mode, 'nothing changed silently');
  }

  const readable = join(base, 'readable');
  await mkdir(readable);
  await chmod(readable, 0o755);
  const warnings: string[] = [];
  await (await open(readable, warnings)).write(sample());
  t.same(warnings, [`state directory ${readable} is readable by group or others (mode 0755); chmod 700 it`]);

  const file = join(base, 'plain-file');
  await writeFile(file, 'x');
  await configError(
    file,
    /is not a directory; set BELUGA_HOOK_STATE_DIR to a directory this user owns, or fix its permissions$/,
  );
  await configError(
    join(file, 'state'),
    /^state directory \S+ cannot be created \(ENOTDIR\); set BELUGA_HOOK_STATE_DIR/,
  );
});

t.test(
  'a directory this user cannot write is refused',
  { skip: process.getuid?.() === 0 ? 'root can write anywhere' : false },
  async (t) => {
    const dir = join(await tempDir(t), 'ro');
    await mkdir(dir, { mode: 0o500 });
    await t.rejects(openJournal(dir, { now: () => NOW, onWarning: () => undefined }), {
      code: 'CONFIG',
      message: /is not writable by this user/,
    });
  },
);

t.test('a crash mid-write (a temp file left over) is ignored; a failed write leaves no temp file', async (t) => {
  const { dir, journal, warnings } = await setup(t);
  await journal.write(sample());
  const before = await readFile(join(dir, 'domain__2a.example.com.json'), 'utf8');
  await writeFile(join(dir, '.domain__2a.example.com.json.4242.abcdef.tmp'), '{"key": "domain:*.exa', { mode: 0o600 });
  t.same(await journal.read('domain:*.example.com'), sample());
  t.same(await journal.list(), [sample()]);
  t.equal(await readFile(join(dir, 'domain__2a.example.com.json'), 'utf8'), before);

  // A directory where the file should go makes the rename fail after the temp file was written.
  await mkdir(join(dir, 'id_9.json'));
  await t.rejects(journal.write({ key: 'id:9', domain: 'x.example', attempts: [] }), {
    name: 'HookError',
    code: 'CONFIG',
    message: new RegExp(`^cannot write journal file ${dir}/id_9.json \\(EISDIR\\)`),
  });
  t.same(
    (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
    ['.domain__2a.example.com.json.4242.abcdef.tmp'],
    'only the old crash leftover',
  );
  t.same(warnings, []);
});

t.test('attempts are capped at the last 50', async (t) => {
  const { journal } = await setup(t);
  const many = Array.from({ length: 60 }, (_, i) => attempt(i));
  await journal.write(sample({ attempts: many }));
  const read = await journal.read('domain:*.example.com');
  t.equal(read?.attempts.length, 50);
  t.same(read?.attempts[0], attempt(10), 'the oldest dropped');
  t.same(read?.attempts[49], attempt(59));
  t.equal(many.length, 60, "the caller's array is untouched");
});

t.test('a write of the wrong shape is a bug: refused before anything is written', async (t) => {
  const { dir, journal } = await setup(t);
  const bad: Array<[unknown, RegExp]> = [
    [{ ...sample(), key: 'example.com' }, /key is not id:<cert id>, domain:<domain> or record:<id>/],
    [{ ...sample(), domain: 7 }, /domain is not a string/],
    [{ ...sample(), attempts: undefined }, /attempts is not an array/],
    [{ ...sample(), attempts: [{ ...attempt(1), code: 24 }] }, /attempts\[0\]\.code is not a string/],
    [{ ...sample(), deployed: { ...sample().deployed, at: 'yesterday' } }, /deployed\.at is not a date/],
    [{ ...sample(), deployed: { ...sample().deployed, names: ['a', 3] } }, /deployed\.names\[1\] is not a string/],
    [
      { ...sample(), pending: { ...sample().pending, allowNameLoss: 'no' } },
      /pending\.allowNameLoss is not true or false/,
    ],
    [{ ...sample(), pending: { ...sample().pending, files: { cert: '/c' } } }, /pending\.files\.key is not a string/],
    [null, /the entry is not an object/],
  ];
  for (const [entry, pattern] of bad) {
    await t.rejects(journal.write(entry as JournalEntry), { name: 'TypeError', message: pattern }, String(pattern));
  }
  t.same(await readdir(dir), []);
});

t.test('no private key can end up in a journal file', async (t) => {
  const { dir, journal, warnings } = await setup(t);
  const pem = fixtureText('ec256.pkcs8.key');
  const body = pem.split('\n')[1];
  const leaks: JournalEntry[] = [
    sample({ attempts: [{ ...attempt(1), error: `upload failed: ${pem}` }] }),
    sample({ attempts: [{ ...attempt(1), error: oneLine(`upload failed: ${pem}`) }] }),
    sample({ deployed: { ...sample().deployed!, files: { ...files, key: pem } } }),
    sample({ deployed: { ...sample().deployed!, names: ['example.com', fixtureText('rsa2048.pkcs1.key')] } }),
    sample({ domain: fixtureText('ec256.sec1.key') }),
    { ...sample(), extra: { nested: [pem] } } as JournalEntry,
  ];
  for (const entry of leaks) {
    await t.rejects(journal.write(entry), { name: 'TypeError', message: /holds a PEM block/ });
  }
  t.same(await readdir(dir), [], 'nothing written');

  // The hint in a NOT_PEM message names the armour line without any key: that is kept.
  const hint =
    'key file /k.pem holds a certificate, no private key; pass the private key file (-----BEGIN PRIVATE KEY-----)';
  await journal.write(sample({ attempts: [{ ...attempt(1), code: 'NOT_PEM', error: hint }] }));
  t.equal((await journal.read('domain:*.example.com'))?.attempts[0].error, hint);

  // A journal file that holds a key (edited by hand) is not trusted either.
  const planted = join(dir, 'id_5.json');
  await writeFile(
    planted,
    JSON.stringify({ key: 'id:5', domain: 'x.example', attempts: [{ ...attempt(1), error: pem }] }),
  );
  t.equal(await journal.read('id:5'), undefined);
  t.match(warnings, [/journal file \S+id_5.json is corrupt \(attempts\[0\]\.error holds a PEM block\)/]);
  t.notOk(warnings.join('\n').includes(body), 'the warning does not quote the key');
  for (const name of await readdir(dir)) {
    if (name.startsWith('id_5.json.corrupt-')) continue; // the planted file, set aside as it was
    t.notOk((await readFile(join(dir, name), 'utf8')).includes(body), `${name} holds no key`);
  }
});

t.test('corrupt files: reported once, set aside with their bytes, read as absent', async (t) => {
  const good = `${JSON.stringify(sample(), null, 2)}\n`;
  const cases: Array<[string, string, RegExp]> = [
    ['garbage', '{not json at all', /it is not valid JSON: truncated or damaged, 16 bytes/],
    ['truncated', good.slice(0, good.length / 2), /it is not valid JSON: truncated or damaged/],
    ['empty', '', /it is empty/],
    ['an array', '[]', /the entry is not an object/],
    ['wrong shape', JSON.stringify({ ...sample(), attempts: {} }), /attempts is not an array/],
    [
      'a wrong field type',
      JSON.stringify({ ...sample(), deployed: { ...sample().deployed, recordId: 1234 } }),
      /deployed\.recordId is not a string/,
    ],
    ['null for a field', JSON.stringify({ ...sample(), pending: null }), /pending is not an object/],
    [
      'another key',
      JSON.stringify({ ...sample(), key: 'domain:other.example' }),
      /holds the key "domain:other.example", which belongs in domain_other.example.json/,
    ],
  ];
  for (const [what, text, problem] of cases) {
    await t.test(what, async (t) => {
      const { dir, journal, warnings } = await setup(t);
      const path = join(dir, 'domain__2a.example.com.json');
      await writeFile(path, text, { mode: 0o600 });
      t.equal(await journal.read('domain:*.example.com'), undefined);
      t.equal(warnings.length, 1);
      t.match(warnings[0], problem);
      t.equal(warnings[0], warnings[0].replace(/\n/g, ''), 'one line');
      t.ok(warnings[0].startsWith(`journal file ${path} is corrupt (`));
      t.ok(warnings[0].endsWith(`moved it to ${path}${ASIDE_SUFFIX} and read it as absent`));
      t.equal(await readFile(`${path}${ASIDE_SUFFIX}`, 'utf8'), text, 'the original bytes are kept');
      t.equal(await journal.read('domain:*.example.com'), undefined);
      t.same(await journal.list(), []);
      t.equal(warnings.length, 1, 'reported once');
      await journal.write(sample());
      t.same(await journal.read('domain:*.example.com'), sample(), 'a new entry can be written');
    });
  }
});

t.test('set-aside files are never overwritten; links and directories are not followed', async (t) => {
  const { dir, journal, warnings } = await setup(t);
  const path = join(dir, 'id_1.json');
  await writeFile(path, 'first');
  t.equal(await journal.read('id:1'), undefined);
  await writeFile(path, 'second');
  t.equal(await journal.read('id:1'), undefined);
  t.equal(await readFile(`${path}${ASIDE_SUFFIX}`, 'utf8'), 'first');
  t.equal(await readFile(`${path}${ASIDE_SUFFIX}.1`, 'utf8'), 'second', 'same instant: numbered');

  const target = join(dir, 'elsewhere');
  await writeFile(target, JSON.stringify({ key: 'id:2', domain: 'x.example', attempts: [] }));
  await symlink(target, join(dir, 'id_2.json'));
  t.equal(await journal.read('id:2'), undefined);
  t.match(warnings[2], /id_2.json is corrupt \(it is a symbolic link\)/);
  t.equal(
    await readFile(target, 'utf8'),
    JSON.stringify({ key: 'id:2', domain: 'x.example', attempts: [] }),
    'the link target is untouched',
  );

  await mkdir(join(dir, 'id_3.json'));
  t.equal(await journal.read('id:3'), undefined);
  t.match(warnings[3], /id_3.json is corrupt \(it is not a regular file\)/);
  t.equal(warnings.length, 4);
});

t.test('list: entries only, sorted by key, corrupt ones reported and skipped', async (t) => {
  const { dir, journal, warnings } = await setup(t);
  await journal.write({ key: 'id:9', domain: 'b.example', attempts: [] });
  await journal.write({ key: 'domain:a.example', domain: 'a.example', attempts: [] });
  await journal.write({ key: 'domain:z.example', domain: 'z.example', attempts: [] });
  const release = await journal.lock('domain:a.example', 0);
  await writeFile(join(dir, '.id_9.json.1.ff.tmp'), 'partial');
  await writeFile(join(dir, 'domain_broken.json'), '{');
  await writeFile(join(dir, 'id_1.json.corrupt-2020-01-01T00:00:00.000Z'), 'old');
  await writeFile(join(dir, 'README'), 'not an entry');
  t.same(
    (await journal.list()).map((e) => e.key),
    ['domain:a.example', 'domain:z.example', 'id:9'],
  );
  t.equal(warnings.length, 1);
  t.match(warnings[0], /domain_broken.json is corrupt/);
  await release();
});
