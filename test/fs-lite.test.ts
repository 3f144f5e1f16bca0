/** src/fs-lite.ts behaves as the fs/promises functions it stands in for, errors (errno codes) included. */
import { constants, existsSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import * as lite from '../src/fs-lite.js';
import { tempStateDir } from './helpers/state-dir.js';

t.test('open wx: a new 0600 file; a second open wx fails with EEXIST; handle writes, reads, stats, syncs, closes', async (t) => {
  const dir = tempStateDir();
  const path = join(dir, 'f.json');
  const handle = await lite.open(path, 'wx', 0o600);
  await handle.chmod(0o600);
  await handle.writeFile('{"a":1}');
  await handle.sync();
  const info = await handle.stat();
  t.equal(info.size, 7);
  t.ok(info.isFile());
  await handle.close();
  t.equal(statSync(path).mode & 0o777, 0o600);
  t.equal(readFileSync(path, 'utf8'), '{"a":1}');
  await t.rejects(lite.open(path, 'wx', 0o600), { code: 'EEXIST' });
  const reader = await lite.open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  t.equal(await reader.readFile('utf8'), '{"a":1}');
  await reader.close();
  await t.rejects(reader.close(), { code: 'EBADF' }, 'closed means closed');
});

t.test('O_NOFOLLOW refuses a symbolic link (ELOOP); lstat sees the link, stat its target', async (t) => {
  const dir = tempStateDir();
  const target = join(dir, 'target');
  const link = join(dir, 'link');
  await (await lite.open(target, 'wx', 0o600)).close();
  symlinkSync(target, link);
  await t.rejects(lite.open(link, constants.O_RDONLY | constants.O_NOFOLLOW), { code: 'ELOOP' });
  t.ok((await lite.lstat(link)).isSymbolicLink());
  t.ok((await lite.stat(link)).isFile());
});

t.test('path functions: readFile (bytes or text), rename, unlink, rm force, readdir, mkdir recursive, chmod, access', async (t) => {
  const dir = tempStateDir();
  const a = join(dir, 'a');
  await (await lite.open(a, 'wx', 0o644)).close();
  t.same(await lite.readFile(a), Buffer.alloc(0));
  t.equal(await lite.readFile(a, 'utf8'), '');
  await lite.rename(a, join(dir, 'b'));
  t.same(await lite.readdir(dir), ['b']);
  await lite.unlink(join(dir, 'b'));
  t.same(await lite.readdir(dir), []);
  await lite.rm(join(dir, 'gone'), { force: true });
  await t.rejects(lite.unlink(join(dir, 'gone')), { code: 'ENOENT' });
  await t.rejects(lite.readFile(join(dir, 'gone')), { code: 'ENOENT' });
  await t.rejects(lite.stat(join(dir, 'gone')), { code: 'ENOENT' });
  const nested = join(dir, 'x', 'y');
  t.equal(await lite.mkdir(nested, { recursive: true, mode: 0o700 }), join(dir, 'x'), 'the first folder it made');
  t.equal(await lite.mkdir(nested, { recursive: true, mode: 0o700 }), undefined, 'nothing made the second time');
  await lite.chmod(nested, 0o750);
  t.equal(statSync(nested).mode & 0o777, 0o750);
  await lite.access(nested, constants.W_OK | constants.X_OK);
  await t.rejects(lite.access(join(dir, 'gone'), constants.R_OK), { code: 'ENOENT' });
  t.ok(existsSync(nested));
});
