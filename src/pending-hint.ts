/**
 * The line a failure message ends with when its certificate is pending: what to run, and first what
 * to fix when running it again cannot help. No timer is promised: one is not always installed.
 */
const FIX_FIRST: Partial<Record<string, string>> = {
  NO_RECORD: 'set BELUGA_SITE (to create a Beluga certificate) or BELUGA_CERT_ID (to update one)',
  AMBIGUOUS_RECORD: 'set BELUGA_CERT_ID to the Beluga certificate to update',
  RECORD_NOT_FOUND: 'fix BELUGA_CERT_ID',
  CREDENTIALS_REJECTED:
    'fix the Beluga credentials (BELUGA_TOKEN_ID and BELUGA_TOKEN_SECRET, or BELUGA_USERNAME and BELUGA_PASSWORD)',
  CONFIG: 'fix the configuration named above',
};

/** Reads nothing itself; `interval` is BELUGA_RETRY_INTERVAL, set where retry runs on a schedule. */
export function pendingHint(code: string, interval?: string): string {
  const fix = FIX_FIRST[code];
  if (fix) return `the certificate is pending: first ${fix}, then run beluga-cert retry`;
  if (interval) return `the certificate is pending: beluga-cert retry deploys it within ${interval}`;
  return 'the certificate is pending: run beluga-cert retry to deploy it (a retry timer or cron job runs it, where one is installed)';
}
