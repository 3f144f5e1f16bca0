/**
 * The shape of a journal entry, checked field by field when a file is read (a file that fails is
 * corrupt) and before one is written (a failure there is a bug in the caller). Also the guard that
 * keeps key material out of the journal whatever field it was put in.
 */
type Check = (value: unknown, at: string) => string | undefined;

const field = (at: string, name: string) => (at === '' ? name : `${at}.${name}`);
const first = (problems: Array<string | undefined>) => problems.find((p) => p !== undefined);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const string: Check = (v, at) => (typeof v === 'string' ? undefined : `${at} is not a string`);
const boolean: Check = (v, at) => (typeof v === 'boolean' ? undefined : `${at} is not true or false`);
const date: Check = (v, at) =>
  string(v, at) ?? (Number.isNaN(Date.parse(v as string)) ? `${at} is not a date` : undefined);
const optional =
  (check: Check): Check =>
  (v, at) =>
    v === undefined ? undefined : check(v, at);
const arrayOf =
  (check: Check): Check =>
  (v, at) =>
    Array.isArray(v) ? first(v.map((item, i) => check(item, `${at}[${i}]`))) : `${at} is not an array`;
const object =
  (fields: Record<string, Check>): Check =>
  (v, at) =>
    isObject(v)
      ? first(Object.entries(fields).map(([name, check]) => check(v[name], field(at, name))))
      : `${at || 'the entry'} is not an object`;
const oneOf =
  (...values: string[]): Check =>
  (v, at) =>
    typeof v === 'string' && values.includes(v) ? undefined : `${at} is not one of ${values.join(', ')}`;
const key: Check = (v, at) =>
  string(v, at) ??
  (/^(id|domain|record):./s.test(v as string)
    ? undefined
    : `${at} is not id:<cert id>, domain:<domain> or record:<id>`);

const files = object({ cert: string, key: string, chain: optional(string), domain: optional(string) });
const certificateRef = { fingerprint256: string, notBefore: date, notAfter: date, names: arrayOf(string) };

const entry = object({
  key,
  domain: string,
  deployed: optional(object({ ...certificateRef, at: date, recordId: string, files })),
  pending: optional(
    object({ ...certificateRef, since: date, files, allowNameLoss: boolean, inFlight: optional(date) }),
  ),
  attempts: arrayOf(object({ at: date, fingerprint256: string, code: string, error: string })),
  edge: optional(
    object({
      state: oneOf('pending', 'served'),
      fingerprint256: string,
      names: arrayOf(string),
      uploadedAt: date,
      checkedAt: optional(date),
      text: optional(string),
    }),
  ),
});

/** A PEM block with a body; a bare `-----BEGIN PRIVATE KEY-----` in an error's hint is allowed. */
const PEM_BLOCK = /-----BEGIN [^-]*-----\s*[A-Za-z0-9+/=]{16,}/;
/** The same, to cut out: the body up to its END line, or to the end of the (truncated) text. */
const PEM_BLOCKS = /-----BEGIN [^-]*-----\s*[A-Za-z0-9+/=\s]{16,}(?:-----END [^-]*-----|[^]*$)/g;

/** Free text (a server's error) with every PEM block replaced by a marker, so the journal takes it. */
export function withoutPemBlocks(text: string): string {
  return text.replace(PEM_BLOCKS, '[PEM block left out]');
}

function pemProblem(value: unknown, at: string): string | undefined {
  if (typeof value === 'string') return PEM_BLOCK.test(value) ? `${at || 'a value'} holds a PEM block` : undefined;
  if (Array.isArray(value)) return first(value.map((item, i) => pemProblem(item, `${at}[${i}]`)));
  if (isObject(value)) return first(Object.entries(value).map(([name, v]) => pemProblem(v, field(at, name))));
  return undefined;
}

/** What is wrong with `value` as a journal entry (the first problem found), or undefined. */
export function entryProblem(value: unknown): string | undefined {
  return entry(value, '') ?? pemProblem(value, '');
}
