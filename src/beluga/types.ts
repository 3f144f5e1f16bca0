/** What the Beluga API answers with, as the client reads it. */
/** A certificate record as Beluga lists it; `id` is kept exactly as the server sent it. */
export interface BelugaRecord {
  id: string | number;
  names: string[];
  common_name?: string;
  [field: string]: unknown;
}
