/**
 * The lego deploy hook (`hooks/lego`). lego runs it with no shell and no arguments, and hands
 * over everything in its environment; the names changed in lego v5.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DeployArgs } from '../commands/deploy.js';
import { HookError } from '../errors.js';
import { helpRows, hookHelp, noArguments, toDeployArgs, value, type Env } from './hook-input.js';

/** lego v4 (--renew-hook / --run-hook); LEGO_ISSUER_CERT_PATH only since 4.17. */
export const V4 = {
  cert: 'LEGO_CERT_PATH',
  key: 'LEGO_CERT_KEY_PATH',
  domain: 'LEGO_CERT_DOMAIN',
  issuer: 'LEGO_ISSUER_CERT_PATH',
} as const;

/** lego v5 (--deploy-hook). */
export const V5 = {
  cert: 'LEGO_HOOK_CERT_PATH',
  key: 'LEGO_HOOK_CERT_KEY_PATH',
  name: 'LEGO_HOOK_CERT_NAME',
  domains: 'LEGO_HOOK_CERT_DOMAINS',
  issuer: 'LEGO_HOOK_ISSUER_CERT_PATH',
} as const;

/**
 * Reads the v5 names (LEGO_HOOK_CERT_PATH, LEGO_HOOK_CERT_KEY_PATH, LEGO_HOOK_CERT_DOMAINS,
 * LEGO_HOOK_CERT_NAME, LEGO_HOOK_ISSUER_CERT_PATH) when either path is set, else the v4 names
 * (LEGO_CERT_PATH, LEGO_CERT_KEY_PATH, LEGO_CERT_DOMAIN, LEGO_ISSUER_CERT_PATH); v4 and v5
 * paths that are both set must agree. The `.crt` is leaf + issuers; the issuer file is added as
 * chain only when it exists (lego < 4.17 sets no such variable, some versions set it for files
 * they did not write). A wildcard domain is passed as lego gives it (`*.example.com`).
 */
export function fromLego(env: Env, argv: string[], fileExists: (path: string) => boolean = existsSync): DeployArgs {
  noArguments(
    'lego',
    argv,
    'lego passes everything in LEGO_* variables: use --deploy-hook /path/to/hooks/lego (v5) or --renew-hook / --run-hook (v4) alone',
  );
  const isV5 = value(env, V5.cert) !== undefined || value(env, V5.key) !== undefined;
  const isV4 = value(env, V4.cert) !== undefined || value(env, V4.key) !== undefined;
  if (!isV5 && !isV4) {
    throw new HookError(
      'CONFIG',
      `lego hook: missing ${V5.cert} and ${V5.key} (lego v5) or ${V4.cert} and ${V4.key} (lego v4); ` +
        'lego sets them when it runs this as --deploy-hook (v5) or --renew-hook / --run-hook (v4)',
    );
  }
  if (isV5 && isV4) checkAgree(env);
  const names = isV5 ? V5 : V4;
  const missing = [names.cert, names.key].filter((name) => value(env, name) === undefined);
  if (missing.length > 0) {
    const present = [names.cert, names.key].filter((name) => !missing.includes(name));
    throw new HookError(
      'CONFIG',
      `lego hook: missing ${missing.join(' and ')} (lego ${isV5 ? 'v5' : 'v4'} sets it together with ${present.join(' and ')})`,
    );
  }
  const issuer = value(env, names.issuer);
  return toDeployArgs({
    cert: value(env, names.cert)!,
    key: value(env, names.key)!,
    chain: issuer !== undefined && fileExists(issuer) ? issuer : undefined,
    domain: isV5 ? v5Domain(env) : value(env, V4.domain),
  });
}

/**
 * The first of LEGO_HOOK_CERT_DOMAINS (comma-separated), else LEGO_HOOK_CERT_NAME: in v5 the
 * certificate name can be chosen freely, so it is a domain only by default.
 */
function v5Domain(env: Env): string | undefined {
  const first = value(env, V5.domains)
    ?.split(',')
    .map((d) => d.trim())
    .find((d) => d !== '');
  return first ?? value(env, V5.name);
}

/** Both sets present (a wrapper exporting old names, or a transition release): same files or stop. */
function checkAgree(env: Env): void {
  const clashes = (['cert', 'key'] as const).filter((field) => {
    const v5 = value(env, V5[field]);
    const v4 = value(env, V4[field]);
    return v5 !== undefined && v4 !== undefined && resolve(v5) !== resolve(v4);
  });
  if (clashes.length === 0) return;
  const detail = clashes.map((f) => `${V5[f]}=${value(env, V5[f])} but ${V4[f]}=${value(env, V4[f])}`).join('; ');
  throw new HookError(
    'CONFIG',
    `lego hook: contradictory lego variables: ${detail}; unset the LEGO_CERT_* (v4) names where lego v5 runs the hook`,
  );
}

fromLego.help = hookHelp([
  'Usage: beluga-cert-hook-lego    (lego runs it, with no arguments)',
  'Deploys the certificate lego has just obtained or renewed to Beluga, as `beluga-cert deploy` does.',
  '  lego v5: lego ... run|renew --deploy-hook /path/to/beluga-cert-hook-lego',
  '  lego v4: lego ... renew --renew-hook /path/to/beluga-cert-hook-lego (or run --run-hook ...)',
  "Reads from lego's environment (the v5 names when either path is set, else the v4 names):",
  ...helpRows([
    [`${V5.cert}, ${V5.key}`, 'v5: the certificate (leaf + issuers) and its key'],
    [`${V5.domains}, ${V5.name}`, 'v5: the domain (the first of the domains, else the name)'],
    [V5.issuer, 'v5: the chain, when that file exists'],
    [`${V4.cert}, ${V4.key}`, 'v4: the certificate and its key'],
    [`${V4.domain}, ${V4.issuer}`, 'v4: the domain; the chain, when that file exists'],
  ]),
]);
