/**
 * Opening a store: the folder named on the command line must exist and be readable, and when
 * it is not, that is a problem for this store only, so a sync still serves the others.
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { escapeControls, oneLine } from '../errors.js';
import { describeFsError, isFolder, listFolder } from './fs-probe.js';
import { storeKind } from './store-kinds.js';
import type { LocalCertificate, ScanResult, StoreProblem, StoreSpec } from './types.js';

/** The command-line option that names a kind of store, for messages (the kind itself if none does). */
const storeOption = (store: StoreSpec) => {
  const option = storeKind(store.kind)?.option;
  return option === undefined ? String(store.kind) : `--${option}`;
};

/** `lego:example.com`: a name for people, with control characters in a file name made visible. */
export function itemLabel(store: StoreSpec, name: string): string {
  return `${store.kind}:${escapeControls(name)}`;
}

/** A problem with the store as a whole is labelled with the option that named it. */
export function storeLabel(store: StoreSpec): string {
  return `${storeOption(store)} ${escapeControls(store.path)}`;
}

export function problem(store: StoreSpec, label: string, path: string, text: string): StoreProblem {
  return { store, label, path, problem: oneLine(text) };
}

/** The store folder's entry names, or the problem that stops this store. */
export async function openStore(store: StoreSpec): Promise<{ names: string[] } | { problem: StoreProblem }> {
  const fail = (why: string) => ({
    problem: problem(store, storeLabel(store), store.path, `store folder ${store.path} ${why}`),
  });
  if (store.path.trim() === '')
    return {
      problem: problem(store, storeLabel(store), store.path, `${storeOption(store)} was given an empty path`),
    };
  try {
    if (!(await stat(store.path)).isDirectory()) return fail('is not a folder');
  } catch (err) {
    return fail(describeFsError(err));
  }
  const listed = listFolder(store.path);
  return 'names' in listed ? listed : fail(listed.reason);
}

/**
 * The folder a client keeps its certificates in, inside the folder it was told about (certbot's
 * live/, dehydrated's certs/): DIR/INNER, or DIR itself when it is named INNER (the inner folder
 * was given), with its entry names; `absent` is the problem text when neither is so, and a store
 * that cannot be opened is the problem openStore names.
 */
export async function innerFolder(
  store: StoreSpec,
  inner: string,
  absent: string,
  what: string,
): Promise<{ path: string; names: string[] } | { problem: StoreProblem }> {
  const root = await openStore(store);
  if ('problem' in root) return root;
  const { names } = root;
  const within = join(store.path, inner);
  const path =
    names.includes(inner) && isFolder(within)
      ? within
      : basename(resolve(store.path)) === inner
        ? store.path
        : undefined;
  if (path === undefined) return { problem: problem(store, storeLabel(store), within, absent) };
  if (path === store.path) return { path, names };
  const listed = listFolder(path);
  return 'names' in listed
    ? { path, names: listed.names }
    : { problem: problem(store, storeLabel(store), path, `${what} ${path} ${listed.reason}`) };
}

/** A scan's findings sorted into certificates and problems (undefined: nothing to say). */
export function scanResult(found: Array<LocalCertificate | StoreProblem | undefined>): ScanResult {
  const result: ScanResult = { certificates: [], problems: [] };
  for (const item of found) {
    if (item === undefined) continue;
    if ('problem' in item) result.problems.push(item);
    else result.certificates.push(item);
  }
  return result;
}
