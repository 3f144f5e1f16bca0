/**
 * The sandbox's certificate records: ids, the CERT fields a real server adds, and persistence (to
 * the state file) after every change. One store per sandbox; nothing is shared between sandboxes.
 */
import { X509Certificate } from 'node:crypto';
import { deriveNames, type DerivedNames } from './certificate-upload.js';
import type { CertObject, SandboxRecord, SeedRecord } from './types.js';

/** New ids count up from here, like the four-digit ids of the 2017 workflow. */
const FIRST_ID = 1000;

export interface StoreOptions {
  /** Stores the records after a change, before the change is answered; a throw fails the request. */
  persist?: (records: SandboxRecord[]) => void;
  numericIds: boolean;
  now: () => Date;
  /** Told after a create or an update is stored (the sandbox's edge starts propagating it). */
  onChange?: (record: SandboxRecord) => void;
}

export interface Upload extends DerivedNames {
  certificate: string;
  key: string;
  chain?: string;
}

export class RecordStore {
  private records: SandboxRecord[] = [];
  private nextId = FIRST_ID;

  /** `entries`: seed records, or the records a state file holds (their stored fields kept). */
  constructor(
    private readonly options: StoreOptions,
    entries: Array<SeedRecord & Partial<SandboxRecord>>,
  ) {
    for (const entry of entries) this.bumpNextId(entry.id);
    for (const entry of entries) this.records.push(this.fromEntry(entry));
  }

  /** Deep copies, key included: for tests, never for the wire. */
  snapshot(): SandboxRecord[] {
    return structuredClone(this.records);
  }

  list(): CertObject[] {
    return this.records.map(toCertObject);
  }

  find(id: string): SandboxRecord | undefined {
    return this.records.find((r) => String(r.id) === id);
  }

  create(site: string, upload: Upload): SandboxRecord {
    const { certificate, key } = upload;
    const record = this.fill({ id: this.newId(), site, certificate, key, chain: upload.chain ?? '' }, upload);
    this.commit([...this.records, record]);
    this.options.onChange?.(record);
    return record;
  }

  /** Replaces certificate and key; keeps the old chain when the upload has none. */
  update(record: SandboxRecord, upload: Upload): SandboxRecord {
    const updated: SandboxRecord = {
      ...record,
      certificate: upload.certificate,
      key: upload.key,
      chain: upload.chain ?? record.chain,
      names: [...upload.names],
      common_name: upload.commonName,
      ocsp_expires: ocspExpires(this.options.now()),
    };
    this.commit(this.records.map((r) => (r === record ? updated : r)));
    this.options.onChange?.(updated);
    return updated;
  }

  remove(record: SandboxRecord): void {
    this.commit(this.records.filter((r) => r !== record));
  }

  /** Writes first, so a failed write (answered 500) leaves memory and file in agreement. */
  private commit(next: SandboxRecord[]): void {
    this.options.persist?.(next);
    this.records = next;
  }

  private newId(): string | number {
    const n = this.nextId++;
    return this.options.numericIds ? n : String(n);
  }

  private bumpNextId(id: unknown): void {
    const n = Number(id);
    if (id !== undefined && Number.isSafeInteger(n) && n >= this.nextId) this.nextId = n + 1;
  }

  private fromEntry(entry: SeedRecord & Partial<SandboxRecord>): SandboxRecord {
    const id = entry.id === undefined ? this.newId() : this.wireId(entry.id);
    const derived = entry.names
      ? { names: [...entry.names], commonName: entry.common_name ?? entry.names[0] ?? '' }
      : deriveNames(new X509Certificate(entry.certificate));
    const record = this.fill(
      {
        id,
        site: entry.site ?? 'default',
        certificate: entry.certificate,
        key: entry.key ?? '',
        chain: entry.chain ?? '',
      },
      derived,
    );
    // Fields a state file already holds win over the defaults.
    for (const field of ['enabled', 'cname', 'protocols', 'ciphers', 'ocsp_expires', 'status'] as const) {
      if (entry[field] !== undefined) (record as unknown as Record<string, unknown>)[field] = entry[field];
    }
    return record;
  }

  private wireId(id: string | number): string | number {
    const n = Number(id);
    return this.options.numericIds && Number.isSafeInteger(n) ? n : String(id);
  }

  private fill(
    base: Pick<SandboxRecord, 'id' | 'site' | 'certificate' | 'key' | 'chain'>,
    derived: DerivedNames,
  ): SandboxRecord {
    return {
      id: base.id,
      site: base.site,
      common_name: derived.commonName,
      enabled: true,
      cname: `cdn-${base.id}.sandbox.belugacdn.invalid`,
      names: [...derived.names],
      protocols: 'TLSv1.2 TLSv1.3',
      ciphers: 'ECDHE+AESGCM:ECDHE+CHACHA20',
      ocsp_expires: ocspExpires(this.options.now()),
      status: 'active',
      certificate: base.certificate,
      chain: base.chain,
      key: base.key,
    };
  }
}

/** The CERT object the API answers with: every field but the PEM texts and, above all, the key. */
export function toCertObject(record: SandboxRecord): CertObject {
  const { certificate: _c, chain: _ch, key: _k, ...cert } = record;
  return structuredClone(cert);
}

/** The format seen in the Go client's fixtures: "2016-09-21 14:52:40-04". */
function ocspExpires(now: Date): string {
  const later = new Date(now.getTime() + 7 * 24 * 3600 * 1000);
  return `${later.toISOString().slice(0, 19).replace('T', ' ')}+00`;
}
