/**
 * nodemailer, bundled by `npm run build` into dist/hooks-bundle/nodemailer.cjs for the hooks' e-mail
 * notifier. A named export, so that `import('nodemailer')` in email.ts finds it in this CommonJS copy.
 */
export { createTransport } from 'nodemailer';
