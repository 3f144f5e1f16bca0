/** The lego hook as a program: bundled by `npm run build` into dist/hooks-bundle/lego.cjs for hooks/lego. */
import { createFetchClient, type FetchFunction } from '../../http.js';
import { fromLego } from '../lego.js';
import { runHookMain } from '../run-hook.js';

// node-fetch as the CommonJS copy bundled beside this file, required at the first request only.
declare const require: (id: string) => { default: FetchFunction };
runHookMain(
  fromLego,
  createFetchClient(async () => require('./node-fetch.cjs').default),
);
