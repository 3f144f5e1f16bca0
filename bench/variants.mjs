/**
 * Source files as bench/tricks.mjs swaps them into a variant's bundle: each takes one start-up
 * measure out (or puts an alternative in) and is otherwise the same program. bench/variants/fs-lite.ts
 * is another such stand-in.
 */
const legoWith = (client) => `import { createFetchClient } from '../../http.js';
import { fromLego } from '../lego.js';
import { runHookMain } from '../run-hook.js';
runHookMain(fromLego, ${client});
`;

export const VARIANT_SOURCES = {
  /** stdout and stderr through node's stream objects. */
  stdioStreams: {
    'src/commands/fd-writer.ts': `export function fdWriter(fd: number) {
  const stream = fd === 1 ? process.stdout : process.stderr;
  return { write: (chunk: string) => stream.write(chunk) };
}
`,
  },
  /** node-fetch bundled into the hook's own file, imported (and so compiled) at the first request. */
  fetchInline: {
    'src/hooks/bin/lego.ts': legoWith("createFetchClient(async () => (await import('node-fetch')).default)"),
  },
  /** node's global fetch (undici, loaded by node at first use) through the same client. */
  builtinFetch: { 'src/hooks/bin/lego.ts': legoWith('createFetchClient(async () => globalThis.fetch as never)') },
};
