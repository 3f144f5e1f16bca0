/**
 * One redaction filter that every printed line, every JSON document, every journal entry and every
 * notifier message passes through: secrets are replaced by [REDACTED] wherever they appear, in any
 * case and in every derived form (secret-forms.ts), and no run of a sent key or certificate comes
 * back (sent-text.ts). Redact first, cut after: a cut never leaves half a secret behind.
 */
import { escapeControls } from './errors.js';
import { secretForms } from './secret-forms.js';
import { dropSent, sentWindows } from './sent-text.js';

export type Redactor = (text: string) => string;

const REDACTED = '[REDACTED]';
const MIN_SECRET_LENGTH = 4; // shorter values would redact ordinary words

export interface RedactOptions {
  /** What a secret becomes (default [REDACTED]); a notifier may name what was hidden. */
  label?: string;
  /** Texts that were sent (PEM key, certificate, chain): no 16-character run of them may come back. */
  sent?: Iterable<string>;
}

export function createRedactor(secrets: Iterable<string | undefined>, options: RedactOptions = {}): Redactor {
  const label = options.label ?? REDACTED;
  const values = [
    ...new Set([...secrets].flatMap((s) => (s ? secretForms(s) : [])).filter((s) => s.length >= MIN_SECRET_LENGTH)),
  ]
    // Longest first, so a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  const pattern = values.length > 0 ? new RegExp(values.map(escapeRegExp).join('|'), 'gi') : undefined;
  const windows = sentWindows(options.sent ?? []);
  return (text) => dropSent(pattern ? text.replace(pattern, label) : text, windows, label);
}

/** Where progress and errors go: each line passes through the redactor first. */
export interface Output {
  info(line: string): void;
  /** info() for many lines at once, in one write: thousands of lines (a sync, a status) cost one call. */
  infoLines(lines: readonly string[]): void;
  error(line: string): void;
  /** The same filter, for text that goes elsewhere (a notifier's message, the journal); passed around unbound. */
  redact: (text: string) => string;
  /** A JSON document for stdout: every string in it passes the same filter. */
  json(value: unknown): string;
  /** Add secrets learnt later (e.g. once the config is read). */
  addSecrets(values: Iterable<string>): void;
  /** Add texts about to be sent (the private key): no run of them is ever printed. */
  addSent(texts: Iterable<string>): void;
}

export interface Writable {
  write(chunk: string): unknown;
}

export function createOutput(stdout: Writable, stderr: Writable, secrets: Iterable<string> = []): Output {
  const known = new Set(secrets);
  const sent = new Set<string>();
  let redact = createRedactor(known);
  const rebuild = () => void (redact = createRedactor(known, { sent }));
  return {
    // A line stays one line and carries no terminal escape (a hostile file name): control characters are shown.
    info: (line) => void stdout.write(`${escapeControls(redact(line))}\n`),
    infoLines(lines) {
      if (lines.length > 0) stdout.write(lines.map((line) => `${escapeControls(redact(line))}\n`).join(''));
    },
    error: (line) => void stderr.write(`${escapeControls(redact(line))}\n`),
    redact: (text) => redact(text),
    json: (value) => redactJson(value, redact),
    addSecrets(values) {
      for (const v of values) known.add(v);
      rebuild();
    },
    addSent(texts) {
      for (const t of texts) sent.add(t);
      rebuild();
    },
  };
}

/** JSON text of `value` with every string (keys too) redacted before it is escaped. */
function redactJson(value: unknown, redact: Redactor): string {
  return JSON.stringify(value, function replacer(this: unknown, _key, v: unknown) {
    if (typeof v === 'string') return redact(v);
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, inner]) => [redact(k), inner]));
    }
    return v;
  });
}

/** `text` cut to `max` characters (the last one …), never leaving the start of a [label] behind. */
export function cutRedacted(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/\[[A-Za-z ]*$/, '')}…`;
}

/** A copy of `value` with every string in it (in arrays and plain objects) redacted; Dates and the rest kept. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T;
  }
  return value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
