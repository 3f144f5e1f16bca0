/**
 * The notifier sinks: Slack, Discord, Teams, the Telegram Bot API and a generic webhook receiver,
 * one per notifier whose definition names an HTTP sink (notify/notifiers.ts), each under its own
 * path prefix on the sandbox's one server, each with its own random secret (webhook token, `sig`,
 * bot token, signing secret), recording every request and every message it accepted. Faults with
 * their name as target answer in that service's error shape. Each sink is defined in its own
 * NAME-sink.ts; this module serves whichever the list (sinks.ts) holds.
 */
import { failureReply, jsonReply, type Reply } from './reply.js';
import type {
  NotifySink,
  RecordedRequest,
  SinkContext,
  SinkDefinition,
  SinkFault,
  SinkName,
  SinkRequest,
} from './sink-definition.js';
import { secretsOf, type SinkSecrets } from './sink-secrets.js';
import { SINKS, type NotifySinks } from './sinks.js';

export type { SinkName } from './sink-definition.js';

const BY_NAME = new Map<SinkName, SinkDefinition>(SINKS.map((sink) => [sink.name, sink]));

const definition = (name: SinkName): SinkDefinition => BY_NAME.get(name)!;

export function isSinkName(value: unknown): value is SinkName {
  return BY_NAME.has(value as SinkName);
}

/** The sink a request path belongs to, by its first segment. */
export function sinkFor(path: string): SinkName | undefined {
  const first = path.split('/')[1];
  return isSinkName(first) ? first : undefined;
}

/** A sink's answer for a fault that names a status (or `failure`), in the service's own shape. */
export function sinkFaultReply(fault: SinkFault & { target: SinkName }): Reply | undefined {
  if (fault.status === undefined && !fault.failure && fault.body === undefined) return undefined;
  const sink = definition(fault.target);
  if (sink.faultReply) return sink.faultReply(fault);
  if (fault.body !== undefined)
    return { status: fault.status ?? 200, body: fault.body, headers: { 'Content-Type': 'application/json' } };
  if (fault.failure) {
    // A 200 that is not a success: a client must read the body, not only the status.
    return sink.failedReply?.() ?? jsonReply(200, { error: 'the sandbox was told to fail this request' });
  }
  return sink.errorReply(fault.status as number);
}

/** How a sink's request shows in the sandbox's log: never its secret path. */
export function sinkLogPath(name: SinkName): string {
  return definition(name).logPath ?? `/${name}/***`;
}

/** The answer to a body past the sandbox's limit, in the service's own shape. */
export function sinkTooLargeReply(name: SinkName, maxBytes: number): Reply {
  return (
    definition(name).tooLargeReply?.(maxBytes) ??
    failureReply(413, 'payload_too_large', `bodies are limited to ${maxBytes} bytes`)
  );
}

/**
 * The sinks with these secrets (new ones, or a state file's); `describe` gives their URLs once the
 * port is known. The tokens play secrets: tests check that they never show up in output.
 */
export function createNotifySinks(now: () => Date, secrets: SinkSecrets) {
  const sinks = SINKS.map((sink: SinkDefinition) => {
    const log: NotifySink = { requests: [], messages: [] };
    let lastId = 0;
    const ctx: SinkContext = { now, nextId: () => ++lastId, seen: new Set() };
    return { sink, log, ctx, secrets: secretsOf(sink, secrets) };
  });
  const byName = new Map(sinks.map((s) => [s.sink.name, s]));
  const get = (name: SinkName) => byName.get(name)!;

  return {
    record(name: SinkName, request: RecordedRequest): void {
      get(name).log.requests.push(request);
    },
    handle(name: SinkName, req: SinkRequest): Reply {
      const { sink, log, ctx, secrets: own } = get(name);
      return sink.handle(req, own, (payload) => void log.messages.push(payload), ctx);
    },
    describe(base: string): NotifySinks {
      return Object.fromEntries(
        sinks.map(({ sink, log, secrets: own }) => [sink.name, { ...log, ...sink.describe(base, own) }]),
      ) as NotifySinks;
    },
  };
}
