import { nameCovers } from '../certificate/names.js';
import type { CheckedCertificate } from '../certificate/types.js';
import { HookError } from '../errors.js';
import type { BelugaRecord } from './types.js';

export type Resolution =
  { action: 'update'; record: BelugaRecord; how: string } | { action: 'create'; site: string; how: string };

export interface ResolveOptions {
  /** BELUGA_CERT_ID: update exactly this record. */
  certId?: string;
  /** BELUGA_SITE: create a certificate for this site when no record holds the domain. */
  site?: string;
}

const lower = (names: string[]) => names.map((n) => n.toLowerCase());

/**
 * Records by id and by lower-cased name, built in one pass: resolving N certificates against M
 * records costs N look-ups, not N × M comparisons (sync over whole stores).
 */
export interface RecordIndex {
  all: BelugaRecord[];
  byId: Map<string, BelugaRecord>;
  byName: Map<string, BelugaRecord[]>;
}

export function indexRecords(records: BelugaRecord[]): RecordIndex {
  const index: RecordIndex = { all: [], byId: new Map(), byName: new Map() };
  for (const record of records) addToIndex(index, record);
  return index;
}

/** Add one record (a certificate just created) to an index. */
export function addToIndex(index: RecordIndex, record: BelugaRecord): void {
  index.all.push(record);
  index.byId.set(String(record.id), record);
  for (const name of new Set(lower(record.names))) {
    const list = index.byName.get(name);
    if (list) list.push(record);
    else index.byName.set(name, [record]);
  }
}

function describe(record: BelugaRecord): string {
  return `id=${record.id} (${record.names.join(', ') || 'no names'})`;
}

/** Which Beluga record the new certificate goes to, by the rules in docs/operations.md ("Resolve"). */
export function resolveRecord(
  recordsOrIndex: BelugaRecord[] | RecordIndex,
  cert: Pick<CheckedCertificate, 'domain' | 'names'>,
  opts: ResolveOptions,
): Resolution {
  const index = Array.isArray(recordsOrIndex) ? indexRecords(recordsOrIndex) : recordsOrIndex;
  const domain = cert.domain.toLowerCase();
  const candidates = index.byName.get(domain) ?? [];
  if (opts.certId !== undefined) {
    const pinned = index.byId.get(opts.certId);
    if (!pinned) {
      const holding = candidates;
      const hint =
        holding.length > 0
          ? `certificates holding ${cert.domain}: ${holding.map(describe).join('; ')}`
          : `no certificate holds ${cert.domain}`;
      throw new HookError(
        'RECORD_NOT_FOUND',
        `BELUGA_CERT_ID=${opts.certId} is not among the ${index.all.length} Beluga certificates (${hint}); fix BELUGA_CERT_ID`,
      );
    }
    return { action: 'update', record: pinned, how: 'pinned by BELUGA_CERT_ID' };
  }
  if (candidates.length === 1)
    return { action: 'update', record: candidates[0], how: `the only one holding ${cert.domain}` };
  if (candidates.length > 1) {
    const wanted = new Set(lower(cert.names));
    const exact = candidates.filter((r) => {
      const have = new Set(lower(r.names));
      return have.size === wanted.size && [...have].every((n) => wanted.has(n));
    });
    if (exact.length === 1) return { action: 'update', record: exact[0], how: "its names equal the certificate's" };
    throw new HookError(
      'AMBIGUOUS_RECORD',
      `${candidates.length} Beluga certificates hold ${cert.domain} and ${exact.length === 0 ? 'none has' : 'several have'} exactly the new certificate's names: ${candidates.map(describe).join('; ')}; set BELUGA_CERT_ID to the id to update`,
    );
  }
  if (opts.site)
    return { action: 'create', site: opts.site, how: `no record holds ${cert.domain}; BELUGA_SITE is set` };
  throw new HookError(
    'NO_RECORD',
    `no Beluga certificate holds ${cert.domain}; set BELUGA_SITE to create one for your site, or BELUGA_CERT_ID to update a given certificate`,
  );
}

/** Names the record serves that the new certificate would not cover (wildcards cover one label). */
export function lostNames(record: BelugaRecord, cert: CheckedCertificate): string[] {
  return record.names.filter((name) => !cert.names.some((certName) => nameCovers(certName, name)));
}

/** Refuse an update that would break names the CDN serves, unless allowed. */
export function checkNameLoss(record: BelugaRecord, cert: CheckedCertificate, allow: boolean): string[] {
  const lost = lostNames(record, cert);
  if (lost.length > 0 && !allow) {
    throw new HookError(
      'NAME_LOSS',
      `the new certificate does not cover ${lost.join(', ')}, which Beluga certificate id=${record.id} serves now; those names would break. Add them to the certificate, or pass --allow-name-loss to upload anyway`,
    );
  }
  return lost;
}
