import type { StoreKind } from './store-kinds.js';

export type { StoreKind } from './store-kinds.js';

/** A store: where certificates live on disk. Each certificate found maps to one Beluga record. */
export interface StoreSpec {
  kind: StoreKind;
  /** The folder named by the kind's option (`--lego-path DIR`, `--certbot-dir DIR`, ...: STORE_KINDS). */
  path: string;
}

/** One certificate found in a store: the files to read, as `deploy --cert --key [--chain] [--domain]`. */
export interface LocalCertificate {
  store: StoreSpec;
  /** A name for people: `lego:example.com`, `certbot:example.com`, `acme.sh:example.com_ecc`, `dir:my-secret`. */
  label: string;
  cert: string;
  key: string;
  chain?: string;
  /** The primary domain when the store says it (lego's NAME.json, dehydrated's and acme.sh's folder names); else the certificate's first name. */
  domain?: string;
}

/** Something in a store that is not a usable certificate (a folder without tls.key, ...). */
export interface StoreProblem {
  store: StoreSpec;
  label: string;
  problem: string;
  /** The file or folder at fault (the store folder itself when the whole store is unusable). */
  path?: string;
}

export interface ScanResult {
  certificates: LocalCertificate[];
  problems: StoreProblem[];
  /**
   * The stores that gave no certificate at all (missing, unreadable, or holding nothing of their
   * kind: a certbot folder given as --lego-path), with what was expected: an error at the end of
   * the command (STORE_UNUSABLE), after the other stores have been served.
   */
  unusable?: StoreProblem[];
}
