/** The lego hook as a program: bundled by `npm run build` into dist/hooks-bundle/lego.cjs for hooks/lego. */
import { fromLego } from '../lego.js';
import { runHookMain } from '../run-hook.js';

runHookMain(fromLego);
