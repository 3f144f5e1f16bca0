import { EXIT, HookError } from '../errors.js';
import { howToEnableAny } from '../notify/registry.js';
import { sendToAll } from '../notify/send-all.js';
import type { Notifier, NotifyResult } from '../notify/types.js';
import type { RunContext } from './context.js';
import { runServices } from './services.js';
import { settingsError } from '../config/settings-error.js';

/**
 * `beluga-cert notify-test [--json]`: sends a test message through every configured notifier at
 * once, whatever NOTIFY_LEVEL says, and prints one line per notifier: `ok NAME: sent` or
 * `FAILED NAME: what the service said` (redacted). Exit 0 when all worked, NOTIFY_FAILED when any
 * did not, CONFIG when none is configured. Reads the notifiers' settings (see the registry) and
 * BELUGA_RUN_BUDGET (the retries' budget).
 */
export async function notifyTestCommand(args: { json: boolean }, ctx: RunContext): Promise<number> {
  const run = runServices(ctx, { json: args.json });
  const { out } = run;
  try {
    const { problems } = await run.budget();
    // A bad budget is named here as in a deploy, not silently replaced by the default.
    if (problems.length > 0) throw settingsError(problems);
    const { notifiers } = await run.notifiers();
    if (notifiers.length === 0) {
      throw new HookError('CONFIG', `no notifier is configured; set ${howToEnableAny()}`);
    }
    out.info(`notify-test: sending a test message through ${notifiers.map((n) => n.name).join(', ')}`);
    const results = await sendTestMessages(notifiers, ctx);
    for (const r of results) {
      out.info(r.ok ? `ok ${r.notifier}: ${r.detail}` : `FAILED ${r.notifier}: ${r.detail}`);
    }
    const worked = results.filter((r) => r.ok).length;
    out.info(`notify-test: ${worked} of ${results.length} notifier(s) worked`);
    if (args.json) {
      ctx.stdout.write(`${out.json({ ok: worked === results.length, results })}\n`);
    }
    return worked === results.length ? EXIT.OK : EXIT.NOTIFY_FAILED;
  } catch (err) {
    return run.fail(err);
  }
}

/** The test message through every notifier at once, whatever NOTIFY_LEVEL says (`notify-test`, `doctor --send`). */
export function sendTestMessages(
  notifiers: Notifier[],
  ctx: Pick<RunContext, 'host' | 'now'>,
): Promise<NotifyResult[]> {
  const event = { host: ctx.host, at: ctx.now() };
  return sendToAll(notifiers, (n) => n.test(event));
}
