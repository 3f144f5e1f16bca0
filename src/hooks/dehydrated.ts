/**
 * The dehydrated hook (`hooks/dehydrated`). dehydrated runs HOOK directly with a handler name
 * first, for every event; only `deploy_cert` concerns us, every other name must exit 0 quietly
 * or dehydrated aborts.
 */
import { HookError } from '../errors.js';
import { hookHelp, toDeployArgs, type Env, type HookResult } from './hook-input.js';

const CALL = 'deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE TIMESTAMP';
/** The arguments after `deploy_cert` that we need, in dehydrated's order (TIMESTAMP is not). */
const DEPLOY_ARGS = ['DOMAIN', 'KEYFILE', 'CERTFILE', 'FULLCHAINFILE', 'CHAINFILE'] as const;

/**
 * `deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE TIMESTAMP` → cert=CERTFILE,
 * key=KEYFILE, chain=CHAINFILE, domain=DOMAIN; any other handler name → skip.
 */
export function fromDehydrated(_env: Env, argv: string[]): HookResult {
  const [handler, ...rest] = argv;
  if (handler === undefined || handler === '') {
    throw new HookError(
      'CONFIG',
      `dehydrated hook: missing the handler name; dehydrated runs it as HOOK ${CALL}: set HOOK=/path/to/hooks/dehydrated in dehydrated's config`,
    );
  }
  if (handler !== 'deploy_cert') return { skip: `dehydrated ${handler}: nothing to deploy` };
  const missing = DEPLOY_ARGS.filter((_, i) => rest[i] === undefined || rest[i] === '');
  if (missing.length > 0) {
    throw new HookError(
      'CONFIG',
      `dehydrated hook: deploy_cert is missing ${missing.join(', ')}; dehydrated calls it as ${CALL}`,
    );
  }
  const [domain, key, cert, , chain] = rest;
  return toDeployArgs({ cert, key, chain, domain });
}

fromDehydrated.help = hookHelp([
  'Usage: beluga-cert-hook-dehydrated HANDLER [ARGS...]    (dehydrated runs it for every event)',
  'Deploys the certificate dehydrated has just signed to Beluga, as `beluga-cert deploy` does.',
  "  in dehydrated's config: HOOK=/path/to/beluga-cert-hook-dehydrated",
  'Reads its arguments, not the environment:',
  `  ${CALL}`,
  '    the certificate (CERTFILE), its key (KEYFILE), the chain (CHAINFILE) and the domain (DOMAIN)',
  '  any other handler (deploy_challenge, clean_challenge, startup_hook, ...): nothing to do, exit 0',
]);
