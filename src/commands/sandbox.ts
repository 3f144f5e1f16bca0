import { randomBytes } from 'node:crypto';
import { loadSettings } from '../config/settings.js';
import { EXIT, HookError } from '../errors.js';
import { createOutput } from '../redact.js';
import type { RunContext } from './context.js';
import { reportError } from './deploy.js';

/**
 * `beluga-cert sandbox`: a Beluga-compatible API and a Slack sink on 127.0.0.1, checking auth
 * against BELUGA_USERNAME/BELUGA_PASSWORD and BELUGA_TOKEN_ID/BELUGA_TOKEN_SECRET, and an SMTP sink
 * checking SMTP_USER/SMTP_PASSWORD (or a login it makes up and prints). Runs until
 * SIGINT or SIGTERM (or `ctx.stop` resolves, for tests).
 */
export async function sandboxCommand(
  args: { port: number; state?: string; edgeDelay?: number; edgeNever?: boolean },
  ctx: RunContext & { stop?: Promise<void> },
): Promise<number> {
  const out = createOutput(ctx.stdout, ctx.stderr);
  try {
    const { settings: s } = await loadSettings(ctx.env, { warn: (line) => out.info(line) });
    const credentials = {
      username: s.BELUGA_USERNAME, password: s.BELUGA_PASSWORD,
      tokenId: s.BELUGA_TOKEN_ID, tokenSecret: s.BELUGA_TOKEN_SECRET,
    };
    out.addSecrets([credentials.password, credentials.tokenSecret].filter((v): v is string => Boolean(v)));
    const basic = Boolean(credentials.username && credentials.password);
    const token = Boolean(credentials.tokenId && credentials.tokenSecret);
    if (!basic && !token) {
      throw new HookError('CONFIG', 'the sandbox checks requests against BELUGA_TOKEN_ID and BELUGA_TOKEN_SECRET (or BELUGA_USERNAME and BELUGA_PASSWORD); set at least one pair');
    }
    const { startSandbox, formatSandboxBanner } = await import('../sandbox/index.js');
    const edge = { delayMs: Math.round((args.edgeDelay ?? 0) * 1000), never: args.edgeNever ?? false };
    const sandbox = await startSandbox({ port: args.port, credentials, statePath: args.state, log: (line) => out.info(line), edge });
    for (const line of formatSandboxBanner(sandbox)) out.info(line);
    // The SMTP sink checks SMTP_USER/SMTP_PASSWORD when both are set, else a login it makes up and prints.
    const { startSmtpSink } = await import('../sandbox/smtp-sink.js');
    const { formatSmtpSinkBanner } = await import('../sandbox/smtp-banner.js');
    const madeUp = s.SMTP_USER && s.SMTP_PASSWORD ? undefined : randomBytes(12).toString('hex');
    if (s.SMTP_PASSWORD) out.addSecrets([s.SMTP_PASSWORD]);
    const smtp = await startSmtpSink({ user: madeUp ? 'sandbox' : s.SMTP_USER!, password: madeUp ?? s.SMTP_PASSWORD!, log: (line) => out.info(line) })
      .catch(async (err: unknown) => { await sandbox.close(); throw err; });
    for (const line of formatSmtpSinkBanner(smtp, madeUp ? 'sandbox' : s.SMTP_USER!, madeUp)) out.info(line);
    await (ctx.stop ?? untilSignal());
    await smtp.close();
    await sandbox.close();
    return EXIT.OK;
  } catch (err) {
    return reportError(err, out);
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
