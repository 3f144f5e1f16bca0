/**
 * Queued faults: the first queued fault that matches a request (target, and method when given)
 * applies to it and loses one of its uses; used-up faults leave the queue.
 */
import { isSinkName } from './notify-sinks.js';
import type { Fault } from './types.js';

interface Pending {
  fault: Fault;
  left: number;
}

export class FaultQueue {
  private pending: Pending[] = [];

  add(fault: Fault): void {
    const left = fault.times ?? 1;
    if (!(left > 0)) throw new Error('fault.times must be a positive number');
    if (fault.target !== 'api' && fault.target !== 'slack' && !isSinkName(fault.target)) {
      throw new Error("fault.target must be 'api', 'slack', 'discord', 'teams', 'telegram' or 'webhook'");
    }
    this.pending.push({ fault: { ...fault, headers: fault.headers && { ...fault.headers } }, left });
  }

  clear(): void {
    this.pending = [];
  }

  /** The fault for this request, if any, consuming one use of it. */
  take(target: Fault['target'], method: string): Fault | undefined {
    const index = this.pending.findIndex((p) =>
      p.fault.target === target && (p.fault.method === undefined || p.fault.method.toUpperCase() === method.toUpperCase()));
    if (index < 0) return undefined;
    const entry = this.pending[index] as Pending;
    entry.left -= 1;
    if (entry.left <= 0) this.pending.splice(index, 1);
    return entry.fault;
  }
}
