import { EXIT, isHookError } from '../errors.js';
import { failedAttemptsSince } from '../journal/entry-changes.js';
import type { Journal } from '../journal/index.js';
import type { RunContext } from './context.js';
import { deployCommand } from './deploy.js';
import { runServices } from './services.js';

/**
 * `beluga-cert retry`: deploy every pending certificate again from the files it was read from
 * (whatever they hold now: a newer renewal is deployed, an older one is dropped as superseded).
 * Safe from cron or a timer: each target is locked as a hook would lock it. Exit 0 when nothing
 * is left pending, else the exit code of the last failure.
 */
export async function retryCommand(ctx: RunContext): Promise<number> {
  const run = runServices(ctx);
  const { out } = run;
  try {
    // The settings' secrets join `out`'s filter as the journal opens: no recorded error shows one.
    const journal = await run.journal();
    const waiting = (await journal.list()).filter((e) => e.pending);
    if (waiting.length === 0) {
      out.info('retry: nothing pending');
      return EXIT.OK;
    }
    let failed = 0;
    let busy = 0;
    let lastCode: number = EXIT.OK;
    for (const entry of waiting) {
      const p = entry.pending!;
      // In flight with its run still alive: that run finishes it (or dies, and the next retry does).
      if (p.inFlight && !(await isFree(journal, entry.key))) {
        out.info(
          `retry: ${entry.key}: a run has been deploying it since ${p.inFlight} and still holds it; left to that run`,
        );
        busy += 1;
        continue;
      }
      out.info(
        `retry: ${entry.key}: pending since ${p.since}, ${failedAttemptsSince(entry)} failed attempt(s); deploying from ${p.files.cert}`,
      );
      const code = await deployCommand(
        {
          cert: p.files.cert,
          key: p.files.key,
          chain: p.files.chain,
          domain: p.files.domain,
          dryRun: false,
          json: false,
          allowNameLoss: p.allowNameLoss,
          force: false,
          retrying: { certId: entry.key.startsWith('id:') ? entry.key.slice(3) : undefined },
        },
        ctx,
      );
      if (code !== EXIT.OK) {
        failed += 1;
        lastCode = code;
      }
    }
    out.info(
      `retry: ${waiting.length - failed - busy} of ${waiting.length} done, ${failed} still pending${busy ? `, ${busy} in flight in another run` : ''}`,
    );
    return failed === 0 ? EXIT.OK : lastCode;
  } catch (err) {
    return run.fail(err);
  }
}

/** Whether no live run holds the key's lock (a dead run's lock is recovered on the way). */
async function isFree(journal: Journal, key: string): Promise<boolean> {
  try {
    const release = await journal.lock(key, 0);
    await release();
    return true;
  } catch (err) {
    if (isHookError(err) && err.code === 'LOCKED') return false;
    throw err;
  }
}

/** `beluga-cert pending [--json]`: what waits, since when, and the last error. */
export async function pendingCommand(args: { json: boolean }, ctx: RunContext): Promise<number> {
  const run = runServices(ctx, { json: args.json });
  const { out } = run;
  try {
    const journal = await run.journal();
    const waiting = (await journal.list()).filter((e) => e.pending);
    if (args.json) {
      ctx.stdout.write(
        `${out.json(
          waiting.map((e) => ({
            key: e.key,
            domain: e.domain,
            ...e.pending,
            failedAttempts: failedAttemptsSince(e),
            lastError: e.attempts.at(-1) ?? null,
          })),
        )}\n`,
      );
      return EXIT.OK;
    }
    if (waiting.length === 0) out.info('nothing pending');
    for (const e of waiting) {
      const last = e.attempts.at(-1);
      // A run that recorded its intent and has not finished: killed, or still at work.
      const inFlight = e.pending!.inFlight
        ? `; in flight since ${e.pending!.inFlight} (a run began deploying it and did not finish: killed, or still running)`
        : '';
      out.info(
        `${e.key}: sha256 ${e.pending!.fingerprint256.slice(0, 23)}… pending since ${e.pending!.since}, ${failedAttemptsSince(e)} failed attempt(s); last: ${last ? `${last.code}: ${last.error}` : 'none'}${inFlight}`,
      );
    }
    return EXIT.OK;
  } catch (err) {
    return run.fail(err);
  }
}
