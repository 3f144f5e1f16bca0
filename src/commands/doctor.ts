import type { Settings } from '../config/settings.js';
import { EXIT } from '../errors.js';
import { openJournal, stateDirFor, type JournalEntry } from '../journal/index.js';
import type { StoreSpec } from '../stores/types.js';
import { MESSAGE_GRACE_MS } from '../retry.js';
import { policyFromSettings } from '../beluga/retry-policy.js';
import { belugaChecks } from '../doctor/beluga-checks.js';
import { check, checkLine, countLevels, type Check } from '../doctor/check.js';
import { edgeChecks, edgeSkipReason } from '../doctor/edge-checks.js';
import { nodeCheck, stateDirChecks } from '../doctor/local-checks.js';
import { notifierChecks } from '../doctor/notifier-checks.js';
import { settingsChecks } from '../doctor/settings-checks.js';
import { storeChecks } from '../doctor/store-checks.js';
import type { RunContext } from './context.js';
import { runServices } from './services.js';

/**
 * `beluga-cert doctor [--json] [--send] [stores]`: everything a renewal would trip over, found
 * before it does, one line per check (`ok`, `info`, `warn` or `FAIL`, what, how to fix), then a
 * summary. Every check runs whatever the others found. Reads every setting (the config file named
 * by BELUGA_HOOK_CONFIG and the environment), makes one read-only list call to Beluga, sends a
 * test message through each notifier only with `send`, and asks the edge about each journal record
 * where the verify step would. Exit 0 when no check failed, DOCTOR_PROBLEMS when one did.
 */
export async function doctorCommand(
  args: { json: boolean; send: boolean; stores: StoreSpec[] },
  ctx: RunContext,
): Promise<number> {
  const run = runServices(ctx, { json: args.json });
  const { out } = run;
  try {
    const checks: Check[] = [];
    const add = (found: Check[]) => {
      for (const c of found) out.info(checkLine(c));
      checks.push(...found);
    };
    // Every secret read joins the output's filter here, before any line is printed.
    const reading = await run.settingsReading();
    const s = reading.settings;
    const settings = settingsChecks(reading, ctx.env, ctx.now());
    add(settings.checks);
    add([nodeCheck()]);
    const stateDir = stateDirFor(s.BELUGA_HOOK_STATE_DIR, { uid: ctx.uid, env: ctx.env });
    add(await stateDirChecks(stateDir));
    add(await belugaChecks(settings.beluga, { http: ctx.http, now: ctx.now }));
    const budgetMs = policyFromSettings(s, Date.now()).policy.budgetMs ?? 0;
    const notifyDeps = { http: ctx.http, redact: out.redact, deadline: Date.now() + budgetMs + MESSAGE_GRACE_MS };
    add(await notifierChecks(s, notifyDeps, args.send ? ctx : undefined));
    add(await storeChecks(args.stores));
    add(await edgeLines(s, stateDir, ctx));

    const counts = countLevels(checks);
    const failed = checks.filter((c) => c.level === 'FAIL');
    out.info(
      `doctor: ${checks.length} checks: ${counts.ok} ok, ${counts.info} info, ${counts.warn} warn, ${counts.FAIL} FAIL` +
        (failed.length > 0 ? '; fix each FAIL line, then run beluga-cert doctor again' : ''),
    );
    const exitCode = failed.length > 0 ? EXIT.DOCTOR_PROBLEMS : EXIT.OK;
    if (failed.length > 0)
      out.error(
        `beluga-cert: DOCTOR_PROBLEMS: ${failed.length} check(s) failed: ${[...new Set(failed.map((c) => c.check))].join(', ')}`,
      );
    if (args.json) ctx.stdout.write(`${out.json({ ok: failed.length === 0, exitCode, counts, checks })}\n`);
    return exitCode;
  } catch (err) {
    return run.fail(err);
  }
}

/** The edge for each journal record, where the verify step would ask; information only. */
async function edgeLines(s: Settings, stateDir: string, ctx: RunContext): Promise<Check[]> {
  const skip = edgeSkipReason(s);
  if (skip) return [check('info', 'edge', skip)];
  const warnings: string[] = [];
  let entries: JournalEntry[];
  try {
    // Read-only: doctor makes no state directory and moves no corrupt file aside.
    const journal = await openJournal(
      stateDir,
      { now: ctx.now, onWarning: (w) => warnings.push(w) },
      { readOnly: true },
    );
    entries = await journal.list();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return [check('info', 'edge', `not asked: the journal cannot be read (${why})`)];
  }
  const { probeEdge } = await import('../verify/edge-probe.js');
  return [...warnings.map((w) => check('warn', 'journal', w)), ...(await edgeChecks(s, entries, probeEdge))];
}
