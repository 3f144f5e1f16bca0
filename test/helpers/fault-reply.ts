/** The answer a fault stands for, when it names one (status, failure or body). */
import type { RecordedRequest } from '../../src/sandbox/index.js';
import { isSinkName, sinkFaultReply } from '../../src/sandbox/notify-sinks.js';
import { failureReply, type Reply } from '../../src/sandbox/reply.js';
import { echoReply } from './echo-reply.js';
import type { Fault } from './fault-queue.js';

export function faultReply(fault: Fault, request: RecordedRequest): Reply | undefined {
  if (fault.echo) return echoReply(fault.status ?? 400, request);
  if (fault.status === undefined && !fault.failure && fault.body === undefined) return undefined;
  if (isSinkName(fault.target)) return sinkFaultReply({ ...fault, target: fault.target });
  // The API: a JSON failure, or a raw body (an HTML proxy page) as given.
  if (fault.body !== undefined) return rawReply(fault.status ?? 200, fault.body, 'text/html; charset=utf-8');
  if (fault.failure)
    return failureReply(fault.status ?? 200, 'sandbox_fault', 'the sandbox was told to fail this request');
  return failureReply(fault.status as number, 'sandbox_fault', `the sandbox was told to answer HTTP ${fault.status}`);
}

/** A raw body is labelled JSON when it parses as JSON, else as `otherwise` (an HTML proxy page). */
function rawReply(status: number, body: string, otherwise: string): Reply {
  let type = otherwise;
  try {
    JSON.parse(body);
    type = 'application/json';
  } catch {
    // not JSON: keep the fallback type
  }
  return { status, body, headers: { 'Content-Type': type } };
}
