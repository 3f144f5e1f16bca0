// Writes docs/configuration.md from the settings table in the build (run `npm run build` first).
import { writeFile } from 'node:fs/promises';
import { configurationDoc } from '../dist/config/configuration-doc.js';

await writeFile(new URL('../docs/configuration.md', import.meta.url), configurationDoc());
