/**
 * What BELUGA_BASE_URL may not hold beyond checkUrl's rules: every request goes to the base URL
 * followed by /api/cdn/v2/..., so a `?query` or `#fragment` would send the key-carrying PUT to
 * another path (`/?q=/api/...`), and a `user:password@` puts a credential where the Beluga
 * settings are not looked for and not redacted.
 */
export function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined; // checkUrl names a value that is no URL at all
  }
  // The value is not echoed: its user part may be a password.
  if (url.username || url.password) {
    return 'BELUGA_BASE_URL must not hold a user name or password (user:password@); give credentials in BELUGA_TOKEN_ID/BELUGA_TOKEN_SECRET or BELUGA_USERNAME/BELUGA_PASSWORD';
  }
  // `new URL` drops an empty `?` or `#`, which still ends the path once /api/cdn/v2/ is appended.
  if (/[?#]/.test(value)) {
    return `BELUGA_BASE_URL must not hold a ?query or #fragment (${value}); give the scheme, host and at most a path, e.g. https://api.belugacdn.com`;
  }
  return undefined;
}
