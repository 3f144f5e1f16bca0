/**
 * Each configured notifier's settings, read by its own config reader through the registry, and
 * with `--send` the test message `notify-test` sends (the same function sends it).
 */
import { isHookError } from '../errors.js';
import { buildNotifiers, configuredNames, howToEnableAny, NOTIFIERS, type NotifierDeps } from '../notify/registry.js';
import type { Notifier } from '../notify/types.js';
import type { RawSettings } from '../config/settings.js';
import { sendTestMessages } from '../commands/notify-test.js';
import type { RunContext } from '../commands/context.js';
import { check, type Check } from './check.js';

/** One check per configured notifier (its settings, or the test message sent with `send`), and NOTIFY_LEVEL. */
export async function notifierChecks(
  settings: RawSettings,
  deps: NotifierDeps,
  send: Pick<RunContext, 'host' | 'now'> | undefined,
): Promise<Check[]> {
  const checks: Check[] = [];
  // NOTIFY_LEVEL alone (no notifier asked for), so that each notifier's line names only its own settings.
  await configProblem(buildNotifiers(settings, deps, []), (message) => checks.push(check('FAIL', 'setting', message)));
  const wanted = new Set(configuredNames(settings));
  if (wanted.size === 0) {
    checks.push(
      check('warn', 'notifiers', `none configured: a failed renewal is told to no one; set ${howToEnableAny()}`),
    );
    return checks;
  }
  const built: Notifier[] = [];
  for (const entry of NOTIFIERS.filter((e) => wanted.has(e.name))) {
    const made = await configProblem(buildNotifiers({ ...settings, NOTIFY_LEVEL: undefined }, deps, [entry]), (m) =>
      checks.push(check('FAIL', `notifier ${entry.name}`, m)),
    );
    if (!made) continue;
    built.push(...made.notifiers);
    if (!send) checks.push(check('ok', `notifier ${entry.name}`, 'settings valid (--send sends a test message)'));
  }
  if (send)
    for (const r of await sendTestMessages(built, send))
      checks.push(
        r.ok
          ? check('ok', `notifier ${r.notifier}`, `test message ${r.detail}`)
          : check('FAIL', `notifier ${r.notifier}`, `test message failed: ${r.detail}`),
      );
  return checks;
}

/** The value, or undefined when it failed with CONFIG (its message given to `problem`). */
async function configProblem<T>(made: Promise<T>, problem: (message: string) => void): Promise<T | undefined> {
  try {
    return await made;
  } catch (err) {
    if (!isHookError(err) || err.code !== 'CONFIG') throw err;
    problem(err.message);
    return undefined;
  }
}
