import { HookError } from '../errors.js';

/** Every setting problem a reader found, as one CONFIG error that also says where settings are set. */
export function settingsError(problems: readonly string[]): HookError {
  return new HookError(
    'CONFIG',
    `${problems.join('; ')}; set them in the environment or in the config file (BELUGA_HOOK_CONFIG)`,
  );
}
