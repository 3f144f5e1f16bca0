/**
 * Opening a store: the folder named on the command line must exist and be readable, and when
 * it is not, that is a problem for this store only, so a sync still serves the others.
 */
import { stat } from 'node:fs/promises';
import { escapeControls, oneLine } from '../errors.js';
import { describeFsError, listFolder } from './fs-probe.js';
import type { StoreKind, StoreProblem, StoreSpec } from './types.js';

/** The command-line option that names each kind of store, for messages. */
const STORE_OPTION: Record<StoreKind, string> = {
  lego: '--lego-path',
  certbot: '--certbot-dir',
  dir: '--dir',
};

/** `lego:example.com`: a name for people, with control characters in a file name made visible. */
export function itemLabel(store: StoreSpec, name: string): string {
  return `${store.kind}:${escapeControls(name)}`;
}

/** A problem with the store as a whole is labelled with the option that named it. */
export function storeLabel(store: StoreSpec): string {
  return `${STORE_OPTION[store.kind] ?? store.kind} ${escapeControls(store.path)}`;
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
      problem: problem(store, storeLabel(store), store.path, `${STORE_OPTION[store.kind]} was given an empty path`),
    };
  try {
    if (!(await stat(store.path)).isDirectory()) return fail('is not a folder');
  } catch (err) {
    return fail(describeFsError(err));
  }
  const listed = await listFolder(store.path);
  return 'names' in listed ? listed : fail(listed.reason);
}
