/** The dehydrated hook as a program: bundled by `npm run build` into dist/hooks-bundle/dehydrated.cjs for hooks/dehydrated. */
import { createFetchClient, type FetchFunction } from '../../http.js';
import { fromDehydrated } from '../dehydrated.js';
import { runHookMain } from '../run-hook.js';

// node-fetch as the CommonJS copy bundled beside this file, required at the first request only.
declare const require: (id: string) => { default: FetchFunction };
runHookMain(
  fromDehydrated,
  createFetchClient(async () => require('./node-fetch.cjs').default),
);
