/**
 * A PATH for the tests' child processes that does not depend on what is installed on the machine:
 * the folders of the test process's PATH, less every folder that holds one of this project's
 * commands (a `sudo ./install.sh` puts beluga-cert in /usr/local/bin, and a test that means "not
 * on PATH" or "the checkout's beluga-cert" must not find that one). What a dropped folder held
 * that a test needs (node above all) is linked into a folder of the test's own, first on PATH.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { ROOT } from './run-cli.js';

/** The commands the package installs (package.json "bin"). */
const PROJECT_COMMANDS = [
  'beluga-cert',
  'beluga-cert-hook-lego',
  'beluga-cert-hook-certbot',
  'beluga-cert-hook-dehydrated',
];

/** Programs tests run by name; kept reachable even when their folder is dropped. */
const NEEDED = [
  'sh',
  'bash',
  'env',
  'openssl',
  'curl',
  'lego',
  'certbot',
  'dehydrated',
  'pebble',
  'pebble-challtestsrv',
  'npm',
  'npx',
  'tar',
  'git',
];

let shimDir: string | undefined;
function shim(): string {
  if (shimDir === undefined) {
    shimDir = mkdtempSync(join(tmpdir(), 'bch-path-'));
    const made = shimDir;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return shimDir;
}

function link(dir: string, name: string, target: string): void {
  const at = join(dir, name);
  if (!existsSync(at)) symlinkSync(target, at);
}

const holdsProjectCommand = (dir: string) => PROJECT_COMMANDS.some((name) => existsSync(join(dir, name)));

/**
 * The PATH for a child process. `checkout: true` puts a folder first whose `beluga-cert` is this
 * checkout's bin/beluga-cert (what a test that runs "beluga-cert" by name means); without it, no
 * beluga-cert is on the PATH at all.
 */
export function testPath(opts: { checkout?: boolean } = {}): string {
  const all = (process.env.PATH ?? '/usr/bin:/bin').split(delimiter).filter((d) => d !== '' && isAbsolute(d));
  const kept = all.filter((d) => !holdsProjectCommand(d));
  const dropped = all.filter((d) => holdsProjectCommand(d));
  const dir = shim();
  // node: the one running the tests, whichever folder it lives in.
  link(dir, 'node', process.execPath);
  for (const name of NEEDED) {
    if (kept.some((d) => existsSync(join(d, name)))) continue;
    const from = dropped.find((d) => existsSync(join(d, name)));
    if (from) link(dir, name, join(from, name));
  }
  const first = [dir];
  if (opts.checkout) {
    const bin = join(dir, 'checkout');
    mkdirSync(bin, { recursive: true });
    link(bin, 'beluga-cert', join(ROOT, 'bin', 'beluga-cert'));
    first.unshift(bin);
  }
  return [...first, ...kept].join(delimiter);
}
