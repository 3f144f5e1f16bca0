/**
 * The one line a person reads about the edge (Slack's Edge field, the CLI, the journal):
 * "live on the edge after 14 s", "edge still serves the old certificate, expires in 9 days".
 */
import type { EdgeNameResult, EdgeSummary } from './edge-result.js';

const DAY_MS = 86_400_000;

/** The summary of a finished check, `at` being when it ended (for "expires in N days"). */
export function summariseEdge(names: EdgeNameResult[], at: Date): EdgeSummary {
  return { status: 'checked', text: edgeText(names, at), names };
}

export function skippedEdge(text: string): EdgeSummary {
  return { status: 'skipped', text, names: [] };
}

export function laterEdge(): EdgeSummary {
  return {
    status: 'later',
    text: 'edge check pending: beluga-cert verify (run by cron, sync or status) reports it',
    names: [],
  };
}

export function edgeText(names: EdgeNameResult[], at: Date): string {
  if (names.length === 0) return 'not checked: the certificate has only wildcard names, which have no host to ask for';
  const served = names.filter((n) => n.outcome === 'served');
  const all = served.length === names.length;
  const slowest = Math.max(0, ...served.map((n) => n.afterSeconds ?? 0));
  if (all)
    return `live on the edge after ${duration(slowest)}${names.length > 1 ? ` (all ${names.length} names)` : ''}`;
  const parts: string[] = [];
  if (served.length > 0) parts.push(`live for ${list(served)} after ${duration(slowest)}`);
  const only = (outcome: EdgeNameResult['outcome']) => names.every((n) => n.outcome === outcome);
  const group = (outcome: EdgeNameResult['outcome']) => names.filter((n) => n.outcome === outcome);
  const old = group('old');
  if (old.length > 0) {
    const soonest = new Date(Math.min(...old.map((n) => n.servedNotAfter?.getTime() ?? Infinity)));
    parts.push(
      `edge still serves the old certificate${only('old') ? '' : ` for ${list(old)}`}, ${expiresIn(soonest, at)}`,
    );
  }
  const other = group('other');
  if (other.length > 0) {
    const fp = other[0]!.servedFingerprint256?.slice(0, 11);
    parts.push(
      `edge serves another certificate${only('other') ? '' : ` for ${list(other)}`}${fp ? ` (sha256 ${fp}…)` : ''}`,
    );
  }
  const unreachable = group('unreachable');
  if (unreachable.length > 0) {
    parts.push(
      `edge unreachable${only('unreachable') ? '' : ` for ${list(unreachable)}`}: ${unreachable[0]!.detail ?? 'no answer'}`,
    );
  }
  return parts.join('; ');
}

/** "expires in 9 days", "expires in 1 day", "expires today", "expired". */
export function expiresIn(notAfter: Date, at: Date): string {
  const ms = notAfter.getTime() - at.getTime();
  if (!Number.isFinite(ms)) return 'expiry unknown';
  if (ms < 0) return 'expired';
  const days = Math.floor(ms / DAY_MS);
  return days === 0 ? 'expires today' : days === 1 ? 'expires in 1 day' : `expires in ${days} days`;
}

/** "14 s", "5 min", "3 h": a check finished by cron may come hours after the upload. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 120 * 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function list(names: EdgeNameResult[]): string {
  const shown = names
    .slice(0, 3)
    .map((n) => n.name)
    .join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}
