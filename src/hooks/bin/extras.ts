/**
 * What a hook loads only when it notifies or checks the edge, bundled apart by `npm run build`
 * (dist/hooks-bundle/hook-extras.cjs): a hook's main bundle then compiles about half the code at
 * start (issue 6). scripts/bundle-hooks.mjs points each of these lazy imports here.
 */
export * as slack from '../../notify/slack.js';
export * as discord from '../../notify/discord.js';
export * as teams from '../../notify/teams.js';
export * as telegram from '../../notify/telegram.js';
export * as email from '../../notify/email.js';
export * as webhook from '../../notify/webhook.js';
export * as edgeStep from '../../verify/edge-step.js';
