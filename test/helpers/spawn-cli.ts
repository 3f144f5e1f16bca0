/**
 * The built `beluga-cert` as a child process the test can kill at a chosen moment (a run killed
 * mid-deploy, as `kill -9`, a stopped service or lego's timeout would), with the environment of
 * runCli. `until` polls a condition a bounded number of times, so a wait can never hang a test.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { CLI } from './run-cli.js';
import { tempStateDir } from './state-dir.js';

export interface Running {
  child: ResultPromise;
  output: () => string;
  /** Resolves with the signal that ended it (or its exit code). */
  ended: Promise<NodeJS.Signals | number | null>;
}

export function spawnCli(args: string[], env: Record<string, string | undefined>): Running {
  const child = execa(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, BELUGA_HOOK_CONFIG: 'none', BELUGA_HOOK_STATE_DIR: tempStateDir(), ...env },
    extendEnv: false,
    stdin: 'ignore',
    all: true, // stdout and stderr interleaved, as a terminal shows them
    buffer: false, // read as it comes, below
    reject: false, // a killed run is the point of these tests
  });
  let text = '';
  child.all.on('data', (c: Buffer) => {
    text += c.toString('utf8');
  });
  const ended = child.then((r) => r.signal ?? r.exitCode ?? null);
  return { child, output: () => text, ended };
}

/** Poll `ready` every 20 ms, at most `rounds` times; false when it never held. */
export async function until(ready: () => boolean, rounds = 1500): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    if (ready()) return true;
    await sleep(20);
  }
  return ready();
}
