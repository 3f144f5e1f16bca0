/** The dehydrated hook as a program: bundled by `npm run build` into dist/hooks-bundle/dehydrated.cjs for hooks/dehydrated. */
import { fromDehydrated } from '../dehydrated.js';
import { runHookMain } from '../run-hook.js';

runHookMain(fromDehydrated);
