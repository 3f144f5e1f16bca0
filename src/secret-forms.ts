/**
 * The forms a secret takes on its way out: as set, percent-encoded or decoded, JSON-escaped,
 * base64 (a Basic header, SMTP AUTH LOGIN), and, for a URL, its userinfo and the parts of it that
 * carry the secret (a webhook's path, Teams' `sig`). redact.ts replaces every one of them.
 */

/** Every form of `value` that a server, a library or a log may print instead of the value itself. */
export function secretForms(value: string): string[] {
  const forms = new Set([value, ...textForms(value)]);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) for (const part of urlParts(value)) forms.add(part);
  return [...forms];
}

/** `Basic <base64>`'s credential for a user and password, and its forms. */
export function basicForms(username: string, password: string): string[] {
  return [`${username}:${password}`, base64(`${username}:${password}`)];
}

function textForms(value: string): string[] {
  const forms = [
    encodeURIComponent(value),
    encodeURI(value),
    base64(value),
    JSON.stringify(value).slice(1, -1),
    value.replaceAll('/', '\\/'),
  ];
  const decoded = tryDecode(value);
  if (decoded !== undefined) forms.push(decoded);
  return forms;
}

/** The userinfo (user:password, the password), the path, the query and its long values, each raw and decoded. */
function urlParts(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  const parts = [url.href, ...userinfoParts(url)];
  if (url.pathname.length > 1) parts.push(url.pathname, ...textForms(url.pathname));
  if (url.search.length > 1) parts.push(url.search.slice(1));
  for (const v of url.searchParams.values()) if (v.length >= 8) parts.push(v, ...textForms(v));
  return parts;
}

/** The user:password (or a lone user name, often a token) inside a URL, raw, decoded and as Basic's base64. */
export function userinfoSecrets(value: string | undefined): string[] {
  if (!value) return [];
  try {
    return userinfoParts(new URL(value));
  } catch {
    return [];
  }
}

function userinfoParts(url: URL): string[] {
  if (url.password) {
    const user = tryDecode(url.username) ?? url.username;
    const password = tryDecode(url.password) ?? url.password;
    return [
      `${url.username}:${url.password}`,
      url.password,
      ...basicForms(user, password),
      password,
      ...textForms(password),
    ];
  }
  return url.username ? [url.username, ...textForms(url.username)] : [];
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function tryDecode(text: string): string | undefined {
  try {
    const decoded = decodeURIComponent(text);
    return decoded === text ? undefined : decoded;
  } catch {
    return undefined; // a malformed escape: the raw form is redacted already
  }
}
