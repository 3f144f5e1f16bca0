import { readRegularFile, sizeText, type BoundedRead } from '../bounded-read.js';
import { HookError } from '../errors.js';
import { NUMBER_SETTINGS, numberProblem } from './numbers.js';
import { createRedactor } from '../redact.js';
import { secretValues } from './build-config.js';
import { ownerProblem } from './owner.js';
import { rowNamed } from './setting-row.js';
import { ENVIRONMENT_ROWS, SECRET_NAMES, type Settings } from './settings-table.js';
import { unknownSettingLine, unknownSettings } from './unknown-settings.js';

export { SECRET_NAMES, SETTING_NAMES, type Settings } from './settings-table.js';

export const DEFAULT_CONFIG_PATH = rowNamed(ENVIRONMENT_ROWS, 'BELUGA_HOOK_CONFIG').default!;
/** Far above any real config file or secret; a bigger one is surely the wrong file. */
const MAX_CONFIG_BYTES = 256 * 1024;
const MAX_SECRET_BYTES = 64 * 1024;

/** Names and values as given: the environment, or a config file's lines, known names or not. */
export type RawSettings = Partial<Record<string, string>>;

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

/**
 * Parse `KEY=VALUE` lines (`#` comments, optional `export`, optional matching quotes). A quote
 * left open, or a numeric setting that is not a plain decimal in its range, is refused naming the line.
 */
export function parseConfigText(text: string, path: string): RawSettings {
  const settings: RawSettings = {};
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      if (/^\s*(#|$)/.test(raw)) return;
      const where = `${path} line ${index + 1}`;
      const match = LINE.exec(raw);
      if (!match) {
        throw new HookError('CONFIG', `${where} is not KEY=VALUE; fix or comment it out with #`);
      }
      const name = match[1];
      const written = match[2];
      const quoted = /^(["'])(.*)\1$/s.exec(written);
      if (!quoted && /^["']/.test(written)) {
        throw new HookError(
          'CONFIG',
          `${where}: the value of ${name} opens a quote (${written[0]}) that is not closed at the end of the line; close it or drop it`,
        );
      }
      const value = quoted ? quoted[2] : written;
      const problem = name in NUMBER_SETTINGS ? numberProblem(name, value) : undefined;
      if (problem !== undefined) throw new HookError('CONFIG', `${where}: ${problem}`);
      settings[name] = value;
    });
  return settings;
}

/**
 * Read the config file named by BELUGA_HOOK_CONFIG (default /etc/beluga-cert-hook/env).
 * A missing default file is fine; a missing file that was named explicitly is an error;
 * BELUGA_HOOK_CONFIG=none reads no file at all.
 * Like ssh, refuse a file holding secrets that group or others can read.
 */
async function readConfigFile(env: RawSettings): Promise<{ path: string; settings: RawSettings } | undefined> {
  const explicit = env.BELUGA_HOOK_CONFIG;
  if (explicit === 'none') return undefined; // the environment alone, no file at all
  const path = explicit || DEFAULT_CONFIG_PATH;
  const read = await readNamedFile(path, MAX_CONFIG_BYTES, {
    refused: (why) => `config file ${path} ${why}; point BELUGA_HOOK_CONFIG at a KEY=VALUE file`,
    failed: (code) => {
      if (code !== 'ENOENT') return `config file ${path} cannot be read (${code ?? 'error'}); check its owner and mode`;
      // A missing default file is fine: the environment alone is the configuration.
      return explicit
        ? `config file ${path} (BELUGA_HOOK_CONFIG) does not exist; create it or unset BELUGA_HOOK_CONFIG`
        : undefined;
    },
  });
  if (!read) return undefined;
  const owner = ownerProblem(read.info.uid);
  if (owner)
    throw new HookError(
      'CONFIG',
      `config file ${path} ${owner}; chown it to this user or root, or point BELUGA_HOOK_CONFIG elsewhere`,
    );
  const mode = read.info.mode;
  const text = read.data.toString('utf8');
  const settings = parseConfigText(text, path);
  const secrets = SECRET_NAMES.flatMap((name) => [name, `${name}_FILE`]).filter((name) => settings[name]);
  if (secrets.length > 0 && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new HookError(
      'CONFIG',
      `config file ${path} holds secrets (${secrets.join(', ')}) but its mode ${octal} lets others read it; fix with: chmod 600 ${path}`,
    );
  }
  return { path, settings };
}

/**
 * Merge the environment over the config file (the environment wins), then replace every
 * NAME_FILE of a secret by the content of that file. Reads: BELUGA_HOOK_CONFIG, the SETTING_NAMES,
 * and NAME_FILE for each of the SECRET_NAMES (the settings table says which those are).
 * `warn` gets one line for each name that looks like a setting but is none (see unknown-settings.ts).
 */
export async function loadSettings(
  env: RawSettings,
  options: { warn?: (line: string) => void } = {},
): Promise<{ settings: Settings; configPath?: string }> {
  const file = await readConfigFile(env);
  const merged: RawSettings = { ...(file?.settings ?? {}) };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') merged[key] = value;
  }
  for (const name of SECRET_NAMES) {
    const filePath = merged[`${name}_FILE`];
    if (!filePath) continue;
    if (merged[name]) {
      throw new HookError('CONFIG', `both ${name} and ${name}_FILE are set; keep only one`);
    }
    merged[name] = await readSecretFile(name, filePath);
  }
  // Names that are no setting stay in the object but not in its type: no code can read them.
  const settings = merged as Settings;
  const unknown = options.warn ? unknownSettings({ env, file }) : [];
  if (unknown.length > 0) {
    // Only names and the config path are shown; still, a secret in the path is hidden like anywhere else.
    const hide = createRedactor(secretValues(settings));
    for (const u of unknown) options.warn!(hide(unknownSettingLine(u)));
  }
  return { settings, configPath: file?.path };
}

async function readSecretFile(name: string, path: string): Promise<string> {
  const read = await readNamedFile(path, MAX_SECRET_BYTES, {
    refused: (why) =>
      why === 'is not a regular file'
        ? `${name}_FILE=${path} ${why}; put the secret in a plain file`
        : `${name}_FILE=${path} ${why}, too large for a secret; check the path`,
    failed: (code) => `${name}_FILE=${path} cannot be read (${code ?? 'error'}); check the path and its permissions`,
  });
  const value = read!.data.toString('utf8').replace(/\r?\n$/, '');
  if (!value) throw new HookError('CONFIG', `${name}_FILE=${path} is empty; put the secret in it`);
  return value;
}

/**
 * Reads a file a setting names: a regular file of at most `maxBytes`. Each way it can fail is a
 * CONFIG error worded by `say`: `refused` gets "is not a regular file" or "is larger than 64 KiB";
 * `failed` gets the error code, and may answer undefined (then there is no file, and no error).
 */
async function readNamedFile(
  path: string,
  maxBytes: number,
  say: { refused: (why: string) => string; failed: (code: string | undefined) => string | undefined },
): Promise<{ data: Buffer; info: { uid: number; mode: number } } | undefined> {
  let read: BoundedRead;
  try {
    read = await readRegularFile(path, { maxBytes });
  } catch (err) {
    const problem = say.failed((err as NodeJS.ErrnoException).code);
    if (problem === undefined) return undefined;
    throw new HookError('CONFIG', problem);
  }
  if ('data' in read) return read;
  const why = read.refused === 'not-regular' ? 'is not a regular file' : `is larger than ${sizeText(maxBytes)}`;
  throw new HookError('CONFIG', say.refused(why));
}
