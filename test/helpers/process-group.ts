/**
 * Servers and clients the tests start (pebble, pebble-challtestsrv, lego, certbot, dehydrated and
 * the hooks they run) must not outlive the test process, however it ends. Each is started in a
 * process group of its own, so one signal reaches it and everything it started; the groups still
 * running are killed
 *  - when the test process exits (its 'exit' event),
 *  - on SIGINT, SIGTERM and SIGHUP (Ctrl-C, tap's timeout, a closed terminal), and
 *  - when the test process is killed with SIGKILL, which runs no handler: a small watchdog process
 *    holds a pipe from the test process and kills the groups when that pipe closes.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const groups = new Set<number>();
let watchdog: ChildProcess | undefined;
let handlersInstalled = false;

// The watchdog: reads "+PGID" / "-PGID" lines; when its stdin ends, SIGTERM to every group left,
// then SIGKILL to those still there a moment later. Its own group, so Ctrl-C does not reach it.
const WATCHDOG = `
const groups = new Set();
let rest = '';
const signal = (sig) => { for (const g of groups) { try { process.kill(-g, sig); } catch {} } };
process.stdin.on('data', (c) => {
  const lines = (rest + c).split('\\n');
  rest = lines.pop();
  for (const l of lines) { const g = Number(l.slice(1)); if (g > 0) (l[0] === '+' ? groups.add(g) : groups.delete(g)); }
});
process.stdin.on('close', () => {
  if (groups.size === 0) process.exit(0);
  signal('SIGTERM');
  setTimeout(() => { signal('SIGKILL'); process.exit(0); }, 2000);
});
process.stdin.on('error', () => {});
`;

function tell(line: string): void {
  try {
    watchdog?.stdin?.write(`${line}\n`);
  } catch {
    /* the watchdog is gone: the exit and signal handlers remain */
  }
}

function startWatchdog(): void {
  if (watchdog) return;
  watchdog = spawn(process.execPath, ['-e', WATCHDOG], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.on('error', () => {
    watchdog = undefined;
  });
  watchdog.stdin?.on('error', () => {
    /* it died first: nothing to tell it any more */
  });
  // Neither the watchdog nor its pipe keeps the test process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
}

/** Signal every group still running (synchronous: usable in an 'exit' handler). */
function signalAllGroups(sig: NodeJS.Signals): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, sig);
    } catch {
      /* already gone */
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => signalAllGroups('SIGKILL'));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // First and once: by the time a listener like signal-exit's runs, ours is gone, so it sees
    // itself alone and ends the process as it would have without ours.
    process.prependOnceListener(sig, () => {
      signalAllGroups('SIGKILL');
      // Nobody else listens: end the way the signal would have ended the process.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/**
 * spawn() in a new process group (detached: true), tracked until the leader exits so that the
 * group is killed if the test process ends first. The caller still stops it itself (killGroup).
 */
export function spawnInGroup(cmd: string, args: string[], options: SpawnOptions): ChildProcess {
  installHandlers();
  startWatchdog();
  const child = spawn(cmd, args, { ...options, detached: true });
  const pgid = child.pid;
  if (pgid !== undefined) {
    groups.add(pgid);
    tell(`+${pgid}`);
    child.once('exit', () => {
      groups.delete(pgid);
      tell(`-${pgid}`);
    });
  }
  return child;
}

/** Send `sig` to the child's whole process group (it and what it started). */
export function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    /* already gone */
  }
}
