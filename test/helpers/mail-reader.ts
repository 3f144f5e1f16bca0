/**
 * Reads the mail the SMTP sink receives, enough for tests and the demo to check what was sent:
 * headers (unfolded, encoded words decoded), and the text and HTML parts of a single-part or
 * multipart/alternative message, quoted-printable or base64. Not a general MIME parser.
 */

export interface ReadMail {
  /** Lower-case names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  subject: string;
  text?: string;
  html?: string;
}

const MAX_DEPTH = 3; // nested multiparts: nodemailer sends at most two levels for text + HTML

export function readMail(raw: string): ReadMail {
  const { headers, body } = splitPart(raw);
  const mail: ReadMail = { headers, subject: headers.subject ?? '' };
  collect(headers, body, mail, 0);
  return mail;
}

function collect(headers: Record<string, string>, body: string, mail: ReadMail, depth: number): void {
  const type = (headers['content-type'] ?? 'text/plain').toLowerCase();
  if (type.startsWith('multipart/') && depth < MAX_DEPTH) {
    const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
    if (!boundary) return;
    const parts = body.split(`--${boundary}`).slice(1);
    for (const part of parts) {
      if (part.startsWith('--')) break; // the closing delimiter
      const inner = splitPart(part.replace(/^\r?\n/, ''));
      collect(inner.headers, inner.body, mail, depth + 1);
    }
    return;
  }
  const decoded = decodeBody(body, headers['content-transfer-encoding'], /charset="?([^";]+)/i.exec(type)?.[1]);
  if (type.startsWith('text/html')) mail.html ??= decoded;
  else if (type.startsWith('text/plain')) mail.text ??= decoded;
}

function splitPart(raw: string): { headers: Record<string, string>; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers: Record<string, string> = {};
  // Unfold: a line starting with white space continues the header before it (RFC 5322 2.2.3).
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding = '7bit', charset = 'utf-8'): string {
  const enc = encoding.trim().toLowerCase();
  let bytes: Buffer;
  if (enc === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else if (enc === 'quoted-printable') bytes = quotedPrintable(body.replace(/=\r?\n/g, ''));
  else bytes = Buffer.from(body, 'binary');
  const text = bytes.toString(/^utf-?8$/i.test(charset) ? 'utf8' : 'latin1');
  return text.replace(/\r\n/g, '\n').replace(/\n$/, '');
}

function quotedPrintable(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '=' ? /^[0-9A-Fa-f]{2}$/.exec(text.slice(i + 1, i + 3)) : null;
    if (hex) {
      out.push(parseInt(hex[0], 16));
      i += 2;
    } else {
      out.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`); white space between two of them goes. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, charset: string, kind: string, data: string) => {
      const bytes = kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : quotedPrintable(data.replace(/_/g, ' '));
      return bytes.toString(/^utf-?8$/i.test(charset) ? 'utf8' : 'latin1');
    });
}
