/**
 * What doctor checks on this machine: the Node version the package needs, and the state directory
 * (the journal) by the rules a deploy enforces, without making it: one that does not exist yet is
 * fine when its nearest existing parent lets this user make it.
 */
import { constants, readFileSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isHookError } from '../errors.js';
import { prepareStateDir } from '../journal/state-dir.js';
import { check, type Check } from './check.js';

/** package.json's engines.node (">=20"), one directory above dist/ and src/, as cli.ts reads its version. */
function neededMajor(): number | undefined {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    engines?: { node?: string };
  };
  const match = />=\s*(\d+)/.exec(pkg.engines?.node ?? '');
  return match ? Number(match[1]) : undefined;
}

export function nodeCheck(version: string = process.versions.node): Check {
  const needed = neededMajor();
  const major = Number(version.split('.')[0]);
  if (needed === undefined || major >= needed) return check('ok', 'node', `Node.js ${version}`);
  return check('FAIL', 'node', `Node.js ${version} is too old; install Node.js ${needed} or newer`);
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

/** The state directory by the deploy's own rules (state-dir.ts), made nowhere. */
export async function stateDirChecks(dir: string): Promise<Check[]> {
  const warnings: string[] = [];
  let exists: boolean;
  try {
    exists = await prepareStateDir(dir, (line) => warnings.push(line), false);
  } catch (err) {
    if (!isHookError(err)) throw err;
    return [check('FAIL', 'state directory', err.message)];
  }
  if (exists)
    return [
      check('ok', 'state directory', `${dir} is writable by this user`),
      ...warnings.map((w) => check('warn', 'state directory', w)),
    ];
  const parent = await nearestExisting(dir);
  try {
    if (!(await stat(parent)).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    await access(parent, constants.W_OK | constants.X_OK);
  } catch (err) {
    return [
      check(
        'FAIL',
        'state directory',
        `${dir} does not exist and cannot be made: ${parent} is not a folder this user can write (${errorCode(err)}); create ${dir} for this user, or set BELUGA_HOOK_STATE_DIR to a folder this user owns`,
      ),
    ];
  }
  return [check('ok', 'state directory', `${dir} does not exist yet; the first deploy makes it (in ${parent})`)];
}

/** The closest folder above `dir` (or `dir` itself) that exists. */
async function nearestExisting(dir: string): Promise<string> {
  let at = dirname(dir);
  for (;;) {
    try {
      await stat(at);
      return at;
    } catch {
      const up = dirname(at);
      if (up === at) return at;
      at = up;
    }
  }
}
