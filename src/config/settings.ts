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
 * left open, or a numeric setting that is not a plain decimal in its range, is refused naming the
 * line; given `problems`, every such line is added there instead (and left out), none thrown.
 */
export function parseConfigText(text: string, path: string, problems?: string[]): RawSettings {
  const settings: RawSettings = {};
  const refuse = (message: string) => {
    if (!problems) throw new HookError('CONFIG', message);
    problems.push(message);
  };
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      if (/^\s*(#|$)/.test(raw)) return;
      const where = `${path} line ${index + 1}`;
      const match = LINE.exec(raw);
      if (!match) return refuse(`${where} is not KEY=VALUE; fix or comment it out with #`);
      const name = match[1];
      const written = match[2];
      const quoted = /^(["'])(.*)\1$/s.exec(written);
      if (!quoted && /^["']/.test(written)) {
        return refuse(
          `${where}: the value of ${name} opens a quote (${written[0]}) that is not closed at the end of the line; close it or drop it`,
        );
      }
      const value = quoted ? quoted[2] : written;
      const problem = name in NUMBER_SETTINGS ? numberProblem(name, value) : undefined;
      if (problem !== undefined) return refuse(`${where}: ${problem}`);
      settings[name] = value;
    });
  return settings;
}

/** Something wrong with the settings: the config file itself (missing, unreadable, owner, mode) or a value. */
interface SettingsProblem {
  kind: 'file' | 'value';
  message: string;
}

/** The settings as far as they could be read, with every problem found on the way, in the order met. */
export interface SettingsReading {
  settings: Settings;
  /** The config file read, when one was (its values may still have problems). */
  configPath?: string;
  /** The names and values the config file gave, as written (for the unknown-name check). */
  file?: { path: string; settings: RawSettings };
  problems: SettingsProblem[];
}

/**
 * Read the config file named by BELUGA_HOOK_CONFIG (default /etc/beluga-cert-hook/env).
 * A missing default file is fine; a missing file that was named explicitly is a problem;
 * BELUGA_HOOK_CONFIG=none reads no file at all.
 * Like ssh, refuse a file holding secrets that group or others can read.
 */
async function readConfigFile(env: RawSettings, problems: SettingsProblem[]): Promise<SettingsReading['file']> {
  const explicit = env.BELUGA_HOOK_CONFIG;
  if (explicit === 'none') return undefined; // the environment alone, no file at all
  const path = explicit || DEFAULT_CONFIG_PATH;
  const fileProblem = (message: string) => void problems.push({ kind: 'file', message });
  let read: Awaited<ReturnType<typeof readNamedFile>>;
  try {
    read = await readNamedFile(path, MAX_CONFIG_BYTES, {
      refused: (why) => `config file ${path} ${why}; point BELUGA_HOOK_CONFIG at a KEY=VALUE file`,
      failed: (code) => {
        if (code !== 'ENOENT')
          return `config file ${path} cannot be read (${code ?? 'error'}); check its owner and mode`;
        // A missing default file is fine: the environment alone is the configuration.
        return explicit
          ? `config file ${path} (BELUGA_HOOK_CONFIG) does not exist; create it or unset BELUGA_HOOK_CONFIG`
          : undefined;
      },
    });
  } catch (err) {
    if (!(err instanceof HookError)) throw err;
    fileProblem(err.message);
    return undefined;
  }
  if (!read) return undefined;
  const owner = ownerProblem(read.info.uid);
  if (owner)
    fileProblem(`config file ${path} ${owner}; chown it to this user or root, or point BELUGA_HOOK_CONFIG elsewhere`);
  const mode = read.info.mode;
  const text = read.data.toString('utf8');
  const lineProblems: string[] = [];
  const settings = parseConfigText(text, path, lineProblems);
  problems.push(...lineProblems.map((message) => ({ kind: 'value' as const, message })));
  const secrets = SECRET_NAMES.flatMap((name) => [name, `${name}_FILE`]).filter((name) => settings[name]);
  if (secrets.length > 0 && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    fileProblem(
      `config file ${path} holds secrets (${secrets.join(', ')}) but its mode ${octal} lets others read it; fix with: chmod 600 ${path}`,
    );
  }
  return { path, settings };
}

/**
 * The environment merged over the config file (the environment wins), every NAME_FILE of a secret
 * replaced by the content of that file, and every problem met, none thrown: what `doctor` shows in
 * full. Reads BELUGA_HOOK_CONFIG, the SETTING_NAMES and NAME_FILE for each of the SECRET_NAMES.
 * A line or a NAME_FILE with a problem is left out.
 */
export async function readSettings(env: RawSettings): Promise<SettingsReading> {
  const problems: SettingsProblem[] = [];
  const file = await readConfigFile(env, problems);
  const merged: RawSettings = { ...(file?.settings ?? {}) };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') merged[key] = value;
  }
  for (const name of SECRET_NAMES) {
    const filePath = merged[`${name}_FILE`];
    if (!filePath) continue;
    if (merged[name]) {
      problems.push({ kind: 'value', message: `both ${name} and ${name}_FILE are set; keep only one` });
      continue;
    }
    try {
      merged[name] = await readSecretFile(name, filePath);
    } catch (err) {
      if (!(err instanceof HookError)) throw err;
      problems.push({ kind: 'value', message: err.message });
    }
  }
  // Names that are no setting stay in the object but not in its type: no code can read them.
  return { settings: merged as Settings, configPath: file?.path, file, problems };
}

/**
 * The settings as every command but `doctor` takes them: readSettings, with the first problem
 * thrown as a CONFIG HookError. `warn` gets one line for each name that looks like a setting but
 * is none (see unknown-settings.ts).
 */
export async function loadSettings(
  env: RawSettings,
  options: { warn?: (line: string) => void } = {},
): Promise<{ settings: Settings; configPath?: string }> {
  return settingsOrFirstProblem(await readSettings(env), env, options);
}

/** A reading's settings, or its first problem thrown as a CONFIG HookError; unknown names go to `warn`. */
export function settingsOrFirstProblem(
  reading: SettingsReading,
  env: RawSettings,
  options: { warn?: (line: string) => void } = {},
): { settings: Settings; configPath?: string } {
  const { settings, file, problems } = reading;
  if (problems[0]) throw new HookError('CONFIG', problems[0].message);
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
