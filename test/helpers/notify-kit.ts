/**
 * What the notifier tests share: sample events, a sandbox with every sink, and a record of every
 * detail a notifier returned, so each file can check at its end that no secret leaked into one.
 */
import type { Test } from 'tap';
import { startSandbox, type Fault, type Sandbox, type SinkName } from './sandbox.js';
import type {
  FailureEvent,
  NotifyResult,
  SkippedEvent,
  SuccessEvent,
  SyncEvent,
  TestEvent,
} from '../../src/notify/types.js';

export const at = new Date('2026-10-03T08:15:42Z');

export const success: SuccessEvent = {
  domain: 'example.com',
  names: ['example.com', 'www.example.com'],
  belugaId: '123',
  action: 'updated',
  notAfter: new Date('2027-01-01T12:00:00Z'),
  fingerprint256: 'AA:BB:CC',
  host: 'web1',
  at,
};
export const recovered: SuccessEvent = {
  ...success,
  recovered: { since: new Date('2026-10-02T08:00:00Z'), failedAttempts: 3 },
};
export const withEdge: SuccessEvent = {
  ...success,
  edge: {
    status: 'checked',
    text: 'live on the edge after 14 s',
    names: [{ name: 'example.com', outcome: 'served', afterSeconds: 14 }],
  },
};
/** Characters every service escapes differently. */
export const failure: FailureEvent = {
  domain: 'a&b<c>_d*.example',
  error: 'Beluga said <no> & *stop*',
  code: 'REMOTE_REJECTED',
  host: 'web1',
  at,
  pending: 'retried every 5 minutes',
};
export const skipped: SkippedEvent = {
  domain: 'example.com',
  names: ['example.com'],
  fingerprint256: 'AA:BB',
  notAfter: success.notAfter,
  reason: 'already deployed to id 123',
  host: 'web1',
  at,
};
export const sync: SyncEvent = {
  deployed: [{ label: 'lego:example.com', domain: 'example.com', belugaId: '123', notAfter: success.notAfter }],
  failed: [{ label: 'lego:b.example', domain: 'b.example', code: 'NO_RECORD', error: 'no record' }],
  unchanged: 2,
  unmapped: 1,
  host: 'web1',
  at,
};
export const testEvent: TestEvent = { host: 'web1', at };

export async function sinks(t: Test, faults: Array<Omit<Fault, 'target'>> = [], target?: SinkName): Promise<Sandbox> {
  const sb = await startSandbox({ credentials: {} });
  t.teardown(() => sb.close());
  for (const f of faults) sb.fault({ target: target as SinkName, ...f });
  return sb;
}

/** Collects results; `leaks(secrets)` lists any detail holding a secret, a loopback URL or a line break. */
export function detailLog() {
  const all: NotifyResult[] = [];
  return {
    all,
    keep: async (p: Promise<NotifyResult>) => {
      const r = await p;
      all.push(r);
      return r;
    },
    leaks: (secrets: string[]) =>
      all.filter(
        (r) =>
          /[\r\n]/.test(r.detail) || r.detail.includes('127.0.0.1') || secrets.some((s) => s && r.detail.includes(s)),
      ),
  };
}

export const noSleep = (sleeps: number[]) => async (ms: number) => void sleeps.push(ms);
