/** The verify step as a deploy builds it from its settings (loaded with `await import` by deploy.ts). */
import { DEFAULT_BASE_URL } from '../config/build-config.js';
import { isLoopbackUrl } from '../config/check-url.js';
import type { EdgeAddress } from './edge-address.js';
import type { EdgeGuard } from './edge-guard.js';
import type { EdgeStep } from './edge-step.js';
import { effectiveMode, verifySettingsFromEnv } from './verify-settings.js';

/**
 * Reads BELUGA_VERIFY, BELUGA_VERIFY_TIMEOUT, BELUGA_EDGE_ADDRESS and BELUGA_BASE_URL (a loopback
 * API is a sandbox: `auto` then checks only a pinned edge). Bad values go to `problems`, so the
 * deploy names them with every other bad setting. Undefined when the check is off.
 */
export async function edgeStepFromSettings(
  settings: Partial<Record<string, string>>,
  problems: string[],
  budgetLeftMs: () => number,
): Promise<EdgeStep | undefined> {
  const verify = verifySettingsFromEnv(settings, problems);
  const mode = effectiveMode(verify, settings.BELUGA_BASE_URL || DEFAULT_BASE_URL);
  if (mode === 'off') return undefined;
  // The step's code is loaded only when it runs.
  const { createEdgeStep } = await import('./edge-step.js');
  return createEdgeStep({ mode, timeoutMs: verify.timeoutMs, edgeAddress: verify.edgeAddress, budgetLeftMs });
}

/**
 * For commands that finish pending checks (`sync`, `status`): whether to ask the edge at all, and
 * where. Same settings and the same sandbox rule as the deploy; a bad value throws HookError CONFIG.
 */
export function edgeCheckSettings(settings: Partial<Record<string, string>>): {
  enabled: boolean;
  edgeAddress?: EdgeAddress;
} {
  const verify = verifySettingsFromEnv(settings);
  return {
    enabled: effectiveMode(verify, settings.BELUGA_BASE_URL || DEFAULT_BASE_URL) !== 'off',
    edgeAddress: verify.edgeAddress,
  };
}

/**
 * The check before an upload that the edge serves nothing newer: asked where the verify step asks
 * (so not at all when BELUGA_VERIFY=off, or against a sandbox with no BELUGA_EDGE_ADDRESS).
 * Undefined when it is not asked (bad verify settings are named by edgeStepFromSettings).
 */
export async function edgeGuardFromSettings(settings: Partial<Record<string, string>>): Promise<EdgeGuard | undefined> {
  const verify = verifySettingsFromEnv(settings, []);
  const baseUrl = settings.BELUGA_BASE_URL || DEFAULT_BASE_URL;
  if (effectiveMode(verify, baseUrl) === 'off') return undefined;
  const { createEdgeGuard } = await import('./edge-guard.js');
  return createEdgeGuard({
    loopback: isLoopbackUrl(baseUrl),
    ...(verify.edgeAddress ? { edgeAddress: verify.edgeAddress } : {}),
    ...(settings.BELUGA_CA_FILE ? { caFile: settings.BELUGA_CA_FILE } : {}),
  });
}
