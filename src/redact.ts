/**
 * One redaction filter that every printed line and every notifier message passes through:
 * secrets are replaced by [REDACTED] wherever they appear, whatever printed them.
 */
import { escapeControls } from './errors.js';

export type Redactor = (text: string) => string;

const MIN_SECRET_LENGTH = 4; // shorter values would redact ordinary words

export function createRedactor(secrets: Iterable<string>): Redactor {
  const values = [...new Set([...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH))]
    // Longest first, so a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => values.reduce((out, secret) => out.split(secret).join('[REDACTED]'), text);
}

/** Where progress and errors go: each line passes through the redactor first. */
export interface Output {
  info(line: string): void;
  error(line: string): void;
  /** The same filter, for text that goes elsewhere (a notifier's message). */
  redact(text: string): string;
  /** Add secrets learnt later (e.g. once the config is read, or the key's base64 lines). */
  addSecrets(values: Iterable<string>): void;
}

export interface Writable {
  write(chunk: string): unknown;
}

export function createOutput(stdout: Writable, stderr: Writable, secrets: Iterable<string> = []): Output {
  const known = new Set(secrets);
  let redact = createRedactor(known);
  return {
    // A line stays one line and carries no terminal escape (a hostile file name): control characters are shown.
    info: (line) => void stdout.write(`${escapeControls(redact(line))}\n`),
    error: (line) => void stderr.write(`${escapeControls(redact(line))}\n`),
    redact: (text) => redact(text),
    addSecrets(values) {
      for (const v of values) known.add(v);
      redact = createRedactor(known);
    },
  };
}
