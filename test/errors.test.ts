import t from 'tap';
import { readFileSync } from 'node:fs';
import { EXIT, EXIT_DESCRIPTIONS, HookError, oneLine, type ErrorCode } from '../src/errors.js';

t.test('exit codes are distinct', async (t) => {
  const codes = Object.values(EXIT);
  t.equal(new Set(codes).size, codes.length);
});

t.test('the exit-code table in docs/operations.md is the catalogue, row for row', async (t) => {
  const doc = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| (\d+) \| `([A-Z_]+)` \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2], m[3]]);
  const expected = (Object.keys(EXIT) as ErrorCode[]).map((code) => [EXIT[code], code, EXIT_DESCRIPTIONS[code]]);
  t.same(rows, expected);
});

t.test('a HookError is one line with its exit code', async (t) => {
  const err = new HookError('KEY_MISMATCH', 'the key\n  does not\tmatch  ');
  t.equal(err.message, 'the key does not match');
  t.equal(err.exitCode, 14);
  t.equal(oneLine(' a \r\n b '), 'a b');
});
