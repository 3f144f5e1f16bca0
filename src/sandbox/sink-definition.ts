/**
 * What a notifier's sandbox sink is, in one object: its name, its secrets (each with the shape of
 * the real service's and how to make a new one), how it answers a request, a fault and a body past
 * the limit, the fields tests read, and the SETTING=value pairs the banner prints. The sandbox's
 * server, state file and banner loop over the list of them (sinks.ts), so a new sink is its file
 * plus one line there.
 */
import type { SinkNameOf } from '../notify/notifiers.js';
import type { Reply } from './reply.js';

/** The HTTP sinks, one per notifier whose definition names one (slack, discord, ...). */
export type SinkName = SinkNameOf<'http'>;

/** A request to a notifier sink, as its handler reads it. */
export interface SinkRequest {
  method: string;
  /** Without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RecordedRequest {
  method: string;
  /** As sent, with the query string. */
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  at: Date;
}

export interface NotifySink {
  /** Every request to this sink, in order (accepted or not). */
  requests: RecordedRequest[];
  /** The parsed payloads the sink accepted as the service would have. */
  messages: unknown[];
}

/** One secret in a sink's URL or settings: the shape the state file is checked against, and a maker. */
interface SinkSecret {
  shape: RegExp;
  make: () => string;
  /**
   * A state file with endpoints always holds it (the sandbox kept it from the first): one without it
   * is broken. The others came later: a file that lacks them gets new ones.
   */
  required?: boolean;
}

/** What one sandbox gives a sink's handler besides the request and its secrets. */
export interface SinkContext {
  now: () => Date;
  /** 1, 2, 3... per sink: ids for the messages it answers with. */
  nextId: () => number;
  /** Delivery ids this sink has accepted, for a receiver that acknowledges a repeat but keeps it once. */
  seen: Set<string>;
}

/** A fault that names what the sink answers: a status, a failure (a 200 that is not a success), or a body. */
export interface SinkFault {
  status?: number;
  failure?: boolean;
  body?: string;
}

export interface SinkDefinition<N extends SinkName = SinkName, K extends string = string, D extends object = object> {
  name: N;
  /** How the banner names the sink. */
  title: string;
  /** Kept in the state file as NAME + Key (slackPath, teamsSig...), in this order. */
  secrets: Record<K, SinkSecret>;
  handle(req: SinkRequest, secrets: Record<K, string>, accept: (payload: unknown) => void, ctx: SinkContext): Reply;
  /** The service's answer for a status, for faults that name only the status. */
  errorReply(status: number): Reply;
  /** The answer for a `failure` fault; default: a 200 JSON `{"error"}`. */
  failedReply?(): Reply;
  /** The whole answer to a fault, for a service whose answers are not JSON (default: built from the above). */
  faultReply?(fault: SinkFault): Reply;
  /** The answer to a body past the sandbox's limit; default: the API's JSON failure. */
  tooLargeReply?(maxBytes: number): Reply;
  /** How its requests show in the log, never with a secret; default `/NAME/***`. */
  logPath?: string;
  /** The fields tests read: where to point the notifier (url, apiUrl...) and the secrets it needs. */
  describe(base: string, secrets: Record<K, string>): D;
  /** The banner's SETTING=value pairs, in order. */
  settings(described: D): Array<[string, string]>;
}

/** Declares a sink keeping its name, secret names and described fields literal, so the sandbox can type them. */
export function defineSink<N extends SinkName, K extends string, D extends object>(
  definition: SinkDefinition<N, K, D>,
): SinkDefinition<N, K, D> {
  return definition;
}
