/** node-fetch, bundled by `npm run build` into dist/hooks-bundle/node-fetch.cjs for the hooks. */
export { default } from 'node-fetch';
