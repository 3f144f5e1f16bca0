/** What the pipeline knows about a certificate once it has been read and checked. */
export interface CheckedCertificate {
  /** The primary domain: --domain, or the leaf's first DNS name. */
  domain: string;
  /** DNS names of the leaf: subjectAltName DNS entries in order, or the CN when there are none. */
  names: string[];
  commonName?: string;
  notBefore: Date;
  notAfter: Date;
  /** Serial number, upper-case hex as node:crypto prints it. */
  serial: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex as node:crypto prints it. */
  fingerprint256: string;
  /** e.g. "EC P-256", "RSA 2048". */
  keyDescription: string;
  /** The leaf alone, normalised PEM (what `openssl x509` prints): LF line ends, trailing newline. */
  certificatePem: string;
  /** Intermediates, issuer of the leaf first, normalised PEM concatenated; '' when none. */
  chainPem: string;
  chainCount: number;
  /** The private key PEM block as read (LF line ends, no text around it). Never print it. */
  keyPem: string;
}

export interface CertificateFiles {
  certPath: string;
  keyPath: string;
  chainPath?: string;
  /** The primary domain; when absent, the leaf's first DNS name. */
  domain?: string;
}
