import type { CheckedCertificate } from '../certificate/types.js';

/** What a target intends to do with a certificate, decided before anything is sent. */
export interface Plan {
  action: 'update' | 'create';
  /** The record to update (as the server sent its id), absent when creating. */
  recordId?: string | number;
  recordNames?: string[];
  site?: string;
  /** Why this record: "pinned by BELUGA_CERT_ID", "the only one holding example.com", ... */
  how: string;
  /** Names the record serves that the certificate will not cover (only with allowNameLoss). */
  lostNames: string[];
  /** Whether the chain is sent along. */
  sendChain: boolean;
}

export interface Applied {
  id: string;
  action: 'update' | 'create';
}

/** A CDN: resolve where a certificate goes (reads only), then upload it. */
export interface Target {
  readonly name: string;
  plan(cert: CheckedCertificate, options: { allowNameLoss: boolean }): Promise<Plan>;
  apply(cert: CheckedCertificate, plan: Plan): Promise<Applied>;
}
