import { loadSettings } from '../config/settings.js';
import { EXIT, HookError } from '../errors.js';
import { renderForTerminal, type SlackPayload } from '../notify/slack-message.js';
import { createOutput, type Output } from '../redact.js';
import type { Sandbox, SeedRecord } from '../sandbox/index.js';
import { messageText } from '../sandbox/message-text.js';
import type { RunContext } from './context.js';
import { reportError } from './services.js';

export interface SandboxArgs {
  port: number;
  state?: string;
  edgeDelay?: number;
  edgeNever?: boolean;
  /** 0 or undefined: the port --state remembers, else any free one. */
  edgePort?: number;
  /** A JSON file of records to start with. */
  records?: string;
  /** Each value one record, for its comma-separated names. */
  seed?: string[];
  showMessages?: boolean;
}

/**
 * `beluga-cert sandbox`: a Beluga-compatible API, a Slack sink and the other notifier sinks on
 * 127.0.0.1, and a TLS edge, checking auth against BELUGA_USERNAME/BELUGA_PASSWORD and
 * BELUGA_TOKEN_ID/BELUGA_TOKEN_SECRET. Runs until SIGINT or SIGTERM (or `ctx.stop` resolves, for tests).
 */
export async function sandboxCommand(args: SandboxArgs, ctx: RunContext & { stop?: Promise<void> }): Promise<number> {
  const out = createOutput(ctx.stdout, ctx.stderr);
  try {
    const { settings: s } = await loadSettings(ctx.env, { warn: (line) => out.info(line) });
    const credentials = {
      username: s.BELUGA_USERNAME,
      password: s.BELUGA_PASSWORD,
      tokenId: s.BELUGA_TOKEN_ID,
      tokenSecret: s.BELUGA_TOKEN_SECRET,
    };
    out.addSecrets([credentials.password, credentials.tokenSecret].filter((v): v is string => Boolean(v)));
    const basic = Boolean(credentials.username && credentials.password);
    const token = Boolean(credentials.tokenId && credentials.tokenSecret);
    if (!basic && !token) {
      throw new HookError(
        'CONFIG',
        'the sandbox checks requests against BELUGA_TOKEN_ID and BELUGA_TOKEN_SECRET (or BELUGA_USERNAME and BELUGA_PASSWORD); set at least one pair',
      );
    }
    const { startSandbox, formatSandboxBanner } = await import('../sandbox/index.js');
    const records = await startRecords(args, ctx.now());
    if (records.length > 0 && args.state !== undefined && (await exists(args.state))) {
      out.info(`--state ${args.state} exists: the sandbox starts with its records, not those of --records or --seed`);
    }
    const edge = {
      delayMs: Math.round((args.edgeDelay ?? 0) * 1000),
      never: args.edgeNever ?? false,
      port: args.edgePort,
    };
    let shown: ((sb: Sandbox) => void) | undefined;
    // eslint-disable-next-line prefer-const -- the log function reads it before the sandbox has started
    let sandbox: Sandbox | undefined;
    const log = (line: string) => {
      out.info(line);
      // Logged once the answer is out, so whatever the request brought has been accepted by now.
      if (sandbox) shown?.(sandbox);
    };
    sandbox = await startSandbox({ port: args.port, credentials, statePath: args.state, log, edge, records });
    if (args.showMessages) shown = messagePrinter(out);
    for (const line of formatSandboxBanner(sandbox)) out.info(line);
    await (ctx.stop ?? untilSignal());
    await sandbox.close();
    return EXIT.OK;
  } catch (err) {
    return reportError(err, out);
  }
}

/** The records of --records, then one per --seed; a bad file or name is a CONFIG error. */
async function startRecords(args: SandboxArgs, now: Date): Promise<SeedRecord[]> {
  if (args.records === undefined && (args.seed ?? []).length === 0) return [];
  const { parseSeed, readRecordsFile, seedRecords } = await import('../sandbox/start-records.js');
  try {
    return [
      ...(args.records === undefined ? [] : readRecordsFile(args.records)),
      ...seedRecords((args.seed ?? []).map(parseSeed), now),
    ];
  } catch (err) {
    throw new HookError('CONFIG', `${(err as Error).message}; fix it, or start the sandbox without it`);
  }
}

async function exists(path: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Prints each notification a sink accepted since the last call, as it reads: Slack as the demo
 * shows it, every other service's text as its payload holds it.
 */
function messagePrinter(out: Output): (sb: Sandbox) => void {
  const printed = new Map<string, number>();
  return (sb) => {
    const services: Array<[string, unknown[]]> = [
      ['Slack', sb.slackMessages],
      ...Object.entries(sb.notify).map(([name, sink]): [string, unknown[]] => [
        name,
        (sink as { messages: unknown[] }).messages,
      ]),
    ];
    for (const [service, messages] of services) {
      for (const payload of messages.slice(printed.get(service) ?? 0)) {
        const rendered = service === 'Slack' ? slackText(payload) : [];
        out.info(`${service} message:`);
        for (const line of rendered.length > 0 ? rendered : messageText(payload)) out.info(`  ${line}`);
      }
      printed.set(service, messages.length);
    }
  };
}

/** As the demo shows it; [] for a payload this project would not send (any text still shows, see messageText). */
function slackText(payload: unknown): string[] {
  try {
    return renderForTerminal(payload as SlackPayload);
  } catch {
    return [];
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
