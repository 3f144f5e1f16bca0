/**
 * The certbot deploy hook (`hooks/certbot`). certbot runs it through /bin/sh once per renewed
 * lineage and hands over the lineage folder and its domains in the environment.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployArgs } from '../commands/deploy.js';
import { HookError } from '../errors.js';
import { helpRows, hookHelp, noArguments, toDeployArgs, value, type Env } from './hook-input.js';

export const LINEAGE = 'RENEWED_LINEAGE';
export const DOMAINS = 'RENEWED_DOMAINS';

/**
 * Reads RENEWED_LINEAGE (`/etc/letsencrypt/live/NAME`: cert.pem, privkey.pem, chain.pem, the
 * chain only when it exists) and RENEWED_DOMAINS (space-separated; the first is the domain).
 */
export function fromCertbot(env: Env, argv: string[], fileExists: (path: string) => boolean = existsSync): DeployArgs {
  noArguments(
    'certbot',
    argv,
    'certbot passes everything in RENEWED_* variables: use --deploy-hook /path/to/hooks/certbot alone',
  );
  const lineage = value(env, LINEAGE);
  if (lineage === undefined) {
    throw new HookError(
      'CONFIG',
      `certbot hook: missing ${LINEAGE}; certbot sets it only for deploy hooks: run this as ` +
        'certbot --deploy-hook /path/to/hooks/certbot, or put it (executable) in /etc/letsencrypt/renewal-hooks/deploy/',
    );
  }
  const chain = join(lineage, 'chain.pem');
  return toDeployArgs({
    cert: join(lineage, 'cert.pem'),
    key: join(lineage, 'privkey.pem'),
    chain: fileExists(chain) ? chain : undefined,
    domain: value(env, DOMAINS)?.trim().split(/\s+/)[0],
  });
}

fromCertbot.help = hookHelp([
  'Usage: beluga-cert-hook-certbot    (certbot runs it, with no arguments, once per renewed certificate)',
  'Deploys the certificate certbot has just renewed to Beluga, as `beluga-cert deploy` does.',
  '  certbot renew --deploy-hook /path/to/beluga-cert-hook-certbot',
  '  or a link to it in /etc/letsencrypt/renewal-hooks/deploy/ (./install.sh --certbot makes one)',
  "Reads from certbot's environment:",
  ...helpRows([
    [LINEAGE, 'the lineage folder: cert.pem, privkey.pem, and chain.pem when it exists'],
    [DOMAINS, 'the renewed domains, space-separated: the first is the domain'],
  ]),
]);
