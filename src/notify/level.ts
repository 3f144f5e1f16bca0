/**
 * NOTIFY_LEVEL, shared by every notifier, after acme.sh's NOTIFY_LEVEL: which events are worth a
 * message. Words or acme.sh's numbers: 0/none, 1/errors, 2/deploys (default), 3/all.
 */

export type NotifyLevel = 'none' | 'errors' | 'deploys' | 'all';

/** What happened, as the level sees it. */
export type NotifyKind =
  | 'failure'
  /** A deploy that cleared a pending one: the error is over, which an `errors` reader wants to know. */
  | 'recovered'
  | 'success'
  /** The certificate was already on the CDN: nothing sent to Beluga. */
  | 'skipped'
  /** A sync run in which something failed / something was deployed (and nothing failed) / nothing changed. */
  | 'sync-failed'
  | 'sync-deployed'
  | 'sync-unchanged'
  /** `beluga-cert expiry`: the edge serves certificates that expire soon. */
  | 'expiring';

export const DEFAULT_NOTIFY_LEVEL: NotifyLevel = 'deploys';

const WORDS: Record<string, NotifyLevel> = {
  0: 'none',
  none: 'none',
  off: 'none',
  1: 'errors',
  errors: 'errors',
  error: 'errors',
  2: 'deploys',
  deploys: 'deploys',
  deploy: 'deploys',
  3: 'all',
  all: 'all',
};

const RANK: Record<NotifyLevel, number> = { none: 0, errors: 1, deploys: 2, all: 3 };

/** The lowest level at which each kind is sent. */
const NEEDS: Record<NotifyKind, NotifyLevel> = {
  failure: 'errors',
  recovered: 'errors',
  'sync-failed': 'errors',
  expiring: 'errors',
  success: 'deploys',
  'sync-deployed': 'deploys',
  skipped: 'all',
  'sync-unchanged': 'all',
};

/** Reads NOTIFY_LEVEL; a bad value is pushed to `problems` and the default is used. */
export function parseNotifyLevel(value: string | undefined, problems: string[]): NotifyLevel {
  if (value === undefined || value.trim() === '') return DEFAULT_NOTIFY_LEVEL;
  const level = WORDS[value.trim().toLowerCase()];
  if (level) return level;
  problems.push(`NOTIFY_LEVEL must be errors (1), deploys (2, the default), all (3) or none (0) (got ${value})`);
  return DEFAULT_NOTIFY_LEVEL;
}

export function levelAllows(level: NotifyLevel, kind: NotifyKind): boolean {
  return RANK[level] >= RANK[NEEDS[kind]];
}

/** The kind of a sync run's one message. */
export function syncKind(deployed: number, failed: number): NotifyKind {
  if (failed > 0) return 'sync-failed';
  return deployed > 0 ? 'sync-deployed' : 'sync-unchanged';
}
