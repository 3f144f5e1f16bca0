/**
 * The settings as doctor sees them: the config file itself (exists, owner, mode), every invalid
 * value at once (the readers' own checks, collected instead of thrown), and every name that is no
 * setting, which doctor counts as a failure (other commands only warn).
 */
import { policyFromSettings } from '../beluga/retry-policy.js';
import { readBelugaConfig, type BelugaConfig } from '../config/build-config.js';
import { DEFAULT_CONFIG_PATH, type RawSettings, type SettingsReading } from '../config/settings.js';
import { unknownSettings, unknownSettingText } from '../config/unknown-settings.js';
import { verifySettingsFromEnv } from '../verify/verify-settings.js';
import { check, type Check } from './check.js';

/**
 * The config file, each value problem and each unknown name, one check each; and the Beluga
 * settings as far as they could be read, for the credentials check. Reads BELUGA_HOOK_CONFIG and
 * every setting (through the readers that the other commands use).
 */
export function settingsChecks(
  reading: SettingsReading,
  env: RawSettings,
  now: Date,
): { checks: Check[]; beluga?: BelugaConfig } {
  const checks: Check[] = [...configFileChecks(reading, env)];
  const s = reading.settings;
  const belugaProblems: string[] = [];
  const beluga = readBelugaConfig(s, belugaProblems);
  const others = [...policyFromSettings(s, now.getTime()).problems];
  verifySettingsFromEnv(s, others);
  const values = [
    ...reading.problems.filter((p) => p.kind === 'value').map((p) => p.message),
    ...belugaProblems,
    ...others,
  ];
  for (const message of new Set(values)) checks.push(check('FAIL', 'setting', message));
  if (values.length === 0) checks.push(check('ok', 'settings', 'every BELUGA_ setting is valid'));
  const unknown = unknownSettings({ env, file: reading.file });
  for (const u of unknown) checks.push(check('FAIL', 'unknown setting', unknownSettingText(u)));
  if (unknown.length === 0) checks.push(check('ok', 'setting names', 'every name is a setting'));
  return { checks, beluga };
}

function configFileChecks(reading: SettingsReading, env: RawSettings): Check[] {
  const fileProblems = reading.problems.filter((p) => p.kind === 'file');
  if (fileProblems.length > 0) return fileProblems.map((p) => check('FAIL', 'config file', p.message));
  if (env.BELUGA_HOOK_CONFIG === 'none')
    return [check('ok', 'config file', 'none read (BELUGA_HOOK_CONFIG=none): the settings come from the environment')];
  if (reading.configPath === undefined)
    return [
      check(
        'info',
        'config file',
        `${DEFAULT_CONFIG_PATH} does not exist: the settings come from the environment; create it (mode 600) to keep them there`,
      ),
    ];
  return [check('ok', 'config file', `${reading.configPath}: its owner and mode are safe`)];
}
