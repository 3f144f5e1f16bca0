/** The one rule for a URL setting, free of imports so that any module reading one can use it. */

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Whether a URL names this machine (localhost, 127.0.0.0/8, ::1): the sandbox, never a real API. */
export function isLoopbackUrl(value: string): boolean {
  try {
    return LOOPBACK.test(new URL(value).hostname);
  } catch {
    return false;
  }
}

/** https:// anywhere; http:// only to loopback, so credentials never cross a network in clear. */
export function checkUrl(name: string, value: string, problems: string[], secret = false): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} is not a URL${secret ? '' : ` (${value})`}`);
    return value;
  }
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return value;
  const shown = secret ? `${url.protocol}//…` : value;
  problems.push(
    url.protocol === 'http:'
      ? `${name} uses http:// to a non-loopback host (${shown}); use https://`
      : `${name} must be an https:// URL (${shown})`,
  );
  return value;
}
