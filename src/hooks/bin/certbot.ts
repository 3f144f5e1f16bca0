/** The certbot hook as a program: bundled by `npm run build` into dist/hooks-bundle/certbot.cjs for hooks/certbot. */
import { createFetchClient, type FetchFunction } from '../../http.js';
import { fromCertbot } from '../certbot.js';
import { runHookMain } from '../run-hook.js';

// node-fetch as the CommonJS copy bundled beside this file, required at the first request only.
declare const require: (id: string) => { default: FetchFunction };
runHookMain(
  fromCertbot,
  createFetchClient(async () => require('./node-fetch.cjs').default),
);
