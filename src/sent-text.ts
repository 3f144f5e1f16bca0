/**
 * Never copy back what was sent: a server that quotes the request (the key, the certificate, the
 * chain) in its error gets every run of base64 that shares 16 characters with the sent PEM texts
 * dropped, whole lines or fragments, raw or JSON-escaped (`\n`, `\/`) or percent-encoded.
 */

/** Shortest run of sent base64 that counts as a copy (a key line is 64). */
const SENT_WINDOW = 16;

/**
 * A run of base64 characters in a reply, crossing line breaks (real or `\n`, `\r` escapes) and
 * escaped `/`, `+` (`\/`, `\u002f`, `%2F`...), so that a quoted PEM body is one run; `=` only as
 * padding at its end (so `id=` before it stays), and its armour lines, if there, so the block goes.
 */
const RUN =
  /(?:-----BEGIN [A-Z0-9 ]+-----)?(?:[A-Za-z0-9+/]|\\[nr/]|\\u002[bf]|%(?:2[bf]|0[ad])|\r?\n)+(?:=|\\u003d|%3d){0,2}(?:(?:\\n|\r?\n|%0a)?-----END [A-Z0-9 ]+-----)?/gi;

/** The 16-character windows of every base64 body in `texts` (PEM armour and line breaks removed). */
export function sentWindows(texts: Iterable<string>): Set<string> {
  const windows = new Set<string>();
  for (const text of texts) {
    for (const block of text.split(/-----[A-Z0-9 ]+-----/)) {
      for (const run of block.replace(/\s+/g, '').split(/[^A-Za-z0-9+/=]+/)) {
        for (let i = 0; i + SENT_WINDOW <= run.length; i++) windows.add(run.slice(i, i + SENT_WINDOW));
      }
    }
  }
  return windows;
}

/** `text` with every run that copies SENT_WINDOW characters of the sent texts replaced by `label`. */
export function dropSent(text: string, windows: ReadonlySet<string>, label: string): string {
  if (windows.size === 0) return text;
  return text.replace(RUN, (run) => {
    const plain = unescape(run);
    for (let i = 0; i + SENT_WINDOW <= plain.length; i++) {
      if (windows.has(plain.slice(i, i + SENT_WINDOW))) return label;
    }
    return run;
  });
}

function unescape(run: string): string {
  return run
    .replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/gi, '')
    .replace(/\\[nr]|\r|\n|%0[ad]/gi, '')
    .replace(/\\\//g, '/')
    .replace(/\\u00(2[bf]|3d)|%(2[bf]|3d)/gi, (_m, u?: string, p?: string) =>
      String.fromCharCode(parseInt(u ?? p ?? '', 16)),
    );
}
