/** The certbot hook as a program: bundled by `npm run build` into dist/hooks-bundle/certbot.cjs for hooks/certbot. */
import { fromCertbot } from '../certbot.js';
import { runHookMain } from '../run-hook.js';

runHookMain(fromCertbot);
