/**
 * The state directory (BELUGA_HOOK_STATE_DIR): made 0700 when missing; like ssh, refused when
 * others can write to it or another user (not root) owns it (they could forge what was deployed),
 * only warned about when others can read it.
 */
import { constants } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { access, chmod, mkdir, stat } from 'node:fs/promises';
import { ownerProblem } from '../config/owner.js';
import { HookError } from '../errors.js';

/** Root's default state directory (another user's is under their home: see stateDirFor). */
export const DEFAULT_STATE_DIR = '/var/lib/beluga-cert-hook';

/**
 * Where the journal lives: BELUGA_HOOK_STATE_DIR when set; else root's /var/lib/beluga-cert-hook;
 * else (another user, who cannot write there) `$XDG_STATE_HOME/beluga-cert-hook`, or
 * `~/.local/state/beluga-cert-hook` when XDG_STATE_HOME is unset or relative (as the XDG Base
 * Directory spec says). Reads XDG_STATE_HOME and HOME from `env`; `uid` undefined (no POSIX user
 * ids) counts as root. The user is passed in, so a test can be any user while running as root.
 */
export function stateDirFor(
  setting: string | undefined,
  who: { uid: number | undefined; env: Partial<Record<string, string>> },
  home: () => string = homedir,
): string {
  if (setting) return setting;
  if (who.uid === undefined || who.uid === 0) return DEFAULT_STATE_DIR;
  const xdg = who.env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'beluga-cert-hook');
  return join(who.env.HOME || home(), '.local', 'state', 'beluga-cert-hook');
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

function refuse(dir: string, why: string, cause?: unknown): HookError {
  return new HookError(
    'CONFIG',
    `state directory ${dir} ${why}; set BELUGA_HOOK_STATE_DIR to a directory this user owns, or fix its permissions`,
    { cause },
  );
}

/** `create: false` (a dry run) makes nothing: a missing directory is an empty journal (false). */
export async function prepareStateDir(dir: string, onWarning: (line: string) => void, create = true): Promise<boolean> {
  if (create) {
    try {
      const created = await mkdir(dir, { recursive: true, mode: 0o700 });
      // mkdir's mode passes through the umask; say exactly what was meant.
      if (created !== undefined) await chmod(dir, 0o700);
    } catch (err) {
      // EEXIST: something that is not a directory holds the name; the check below says what.
      if (errorCode(err) !== 'EEXIST') throw refuse(dir, `cannot be created (${errorCode(err)})`, err);
    }
  }
  const info = await stat(dir).catch((err: unknown) => {
    if (!create && errorCode(err) === 'ENOENT') return undefined;
    throw refuse(dir, `cannot be read (${errorCode(err)})`, err);
  });
  if (info === undefined) return false;
  if (!info.isDirectory()) throw refuse(dir, 'is not a directory');
  const owner = ownerProblem(info.uid);
  if (owner) throw refuse(dir, owner);
  const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
  if ((info.mode & 0o022) !== 0) throw refuse(dir, `is writable by group or others (mode ${mode}); chmod 700 it`);
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw refuse(dir, `is not writable by this user (${errorCode(err)})`, err);
  }
  if ((info.mode & 0o044) !== 0) {
    onWarning(`state directory ${dir} is readable by group or others (mode ${mode}); chmod 700 it`);
  }
  return true;
}
