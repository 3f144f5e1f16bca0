/** One PEM block: its label, RFC 1421 headers (Proc-Type...), base64 body, and the block text. */
export interface PemBlock {
  label: string;
  headers: Record<string, string>;
  /** Base64 body with all white space removed. */
  base64: string;
  /** The block as read, BEGIN to END line, LF line ends, with a trailing newline. */
  text: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9][A-Z0-9 #]*)-----[ \t]*\n([\s\S]*?)-----END \1-----/g;

/** Bytes to text: drops a UTF-8 byte-order mark and turns CRLF (or lone CR) into LF. */
export function toText(data: Buffer): string {
  let text = data.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.replace(/\r\n?/g, '\n');
}

/** Every PEM block in the text, in order; text around and between blocks is ignored. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const label = match[1];
    const inner = match[2];
    const headers: Record<string, string> = {};
    let body = inner;
    // Headers (e.g. "Proc-Type: 4,ENCRYPTED") come first and end at a blank line.
    const headerEnd = inner.indexOf('\n\n');
    if (headerEnd > 0 && /^[A-Za-z-]+:/.test(inner)) {
      for (const line of inner.slice(0, headerEnd).split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      }
      body = inner.slice(headerEnd + 2);
    }
    blocks.push({ label, headers, base64: body.replace(/\s+/g, ''), text: `${match[0].trimEnd()}\n` });
  }
  return blocks;
}

/** A DER file starts with an ASN.1 SEQUENCE tag; say so instead of "not PEM" alone. */
export function looksLikeDer(data: Buffer): boolean {
  return data.length > 1 && data[0] === 0x30 && !data.includes('-----BEGIN ');
}

/** Encodes DER as PEM exactly as `openssl x509` prints it: 64 columns, trailing newline. */
export function derToPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
