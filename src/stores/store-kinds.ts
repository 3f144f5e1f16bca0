/**
 * Every kind of store, once: the option that names it on the command line (with its --help line)
 * and what such a store holds (for the line that says a folder holds none of it). The command
 * line, the messages and the scanners all follow this table, so a new kind is one entry here
 * plus its scanner.
 */
export const STORE_KINDS = [
  {
    kind: 'lego',
    option: 'lego-path',
    describe: "lego's --path (holds certificates/)",
    expected: "give lego's --path, the folder whose certificates/ holds NAME.crt and NAME.key",
  },
  {
    kind: 'certbot',
    option: 'certbot-dir',
    describe: "certbot's config dir (holds live/)",
    expected: "give certbot's config folder, the one whose live/ holds a folder per certificate",
  },
  {
    kind: 'dehydrated',
    option: 'dehydrated-dir',
    describe: "dehydrated's BASEDIR (holds certs/)",
    expected: "give dehydrated's BASEDIR, the folder whose certs/ holds a folder per certificate with cert.pem",
  },
  {
    kind: 'acme.sh',
    option: 'acme-sh-home',
    describe: "acme.sh's home or --cert-home (holds DOMAIN/ and DOMAIN_ecc/)",
    expected: "give acme.sh's home (~/.acme.sh) or its --cert-home, the folder holding DOMAIN/DOMAIN.cer",
  },
  {
    kind: 'dir',
    option: 'dir',
    describe: 'a folder of sub-folders holding tls.crt and tls.key (cert-manager secrets)',
    expected: 'give a folder of sub-folders each holding tls.crt and tls.key',
  },
] as const;

export type StoreKind = (typeof STORE_KINDS)[number]['kind'];

/** The table's row for `kind`; undefined for a kind no store has (a caller's mistake, said in words). */
export function storeKind(kind: string): (typeof STORE_KINDS)[number] | undefined {
  return STORE_KINDS.find((k) => k.kind === kind);
}
