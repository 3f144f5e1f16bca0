/**
 * A throw-away pebble ACME server on 127.0.0.1 for end-to-end runs of real ACME clients.
 *
 * Debian's pebble package ships no TLS certificate for its own HTTPS port, so each start makes
 * a small CA and a 127.0.0.1/localhost server certificate with openssl in a fresh temp dir.
 * pebble-challtestsrv (same package) runs next to it as a loopback DNS resolver: lego's dns-01
 * pre-check must reach some resolver, and CI has no DNS beyond loopback to rely on.
 * Validation is switched off (PEBBLE_VA_ALWAYS_VALID=1), so no client needs port 80.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killGroup, spawnInGroup } from './process-group.js';
import { testPath } from './test-path.js';

const run = promisify(execFile);

export interface PebbleOptions {
  /** PEBBLE_AUTHZREUSE percentage; 0 (default) makes every order solve its challenges again. */
  authzReuse?: number;
  /** Extra PEBBLE_* variables, e.g. { PEBBLE_CHAIN_LENGTH: '3' }. */
  env?: Record<string, string>;
}

export interface Pebble {
  directoryUrl: string;
  /** PEM of the CA that signed pebble's HTTPS certificate: what clients must trust to talk to it. */
  caBundlePath: string;
  /** host:port of the loopback DNS server (pebble-challtestsrv), for lego --dns.resolvers. */
  dnsResolver: string;
  /** Temp dir removed by stop(); client runs put their own folders under it. */
  workRoot: string;
  /** The random root pebble issues from (not the HTTPS CA), from the management port. */
  rootCertPem(): Promise<string>;
  /** pebble's and challtestsrv's output so far, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

const READY_TRIES = 100;
const READY_PAUSE_MS = 100;
const REQUEST_TIMEOUT_MS = 3000;
const START_ATTEMPTS = 3; // a free port can be taken between probing it and pebble binding it
const STOP_GRACE_MS = 5000;
const LOG_LIMIT = 64 * 1024;

/** Ask the kernel for a currently free TCP port on 127.0.0.1. */
async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** GET over HTTPS trusting only `caPem`; resolves with status and body. */
async function httpsGet(url: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: caPem, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

async function httpAnswers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

const TLS_CNF = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = e2e
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
`;

/** A CA plus a server certificate for 127.0.0.1 signed by it (Go, Python and curl all accept). */
async function makeTls(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const cnf = join(dir, 'tls.cnf');
  const paths = { ca: join(dir, 'tls-ca.pem'), cert: join(dir, 'tls-cert.pem'), key: join(dir, 'tls-key.pem') };
  const caKey = join(dir, 'tls-ca.key');
  await writeFile(cnf, TLS_CNF);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '7', '-config', cnf];
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    ...ec,
    '-extensions',
    'ca',
    '-subj',
    '/CN=beluga e2e pebble TLS CA',
    '-keyout',
    caKey,
    '-out',
    paths.ca,
  ]);
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    ...ec,
    '-extensions',
    'leaf',
    '-subj',
    '/CN=localhost',
    '-CA',
    paths.ca,
    '-CAkey',
    caKey,
    '-keyout',
    paths.key,
    '-out',
    paths.cert,
  ]);
  return paths;
}

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
  done: () => boolean;
}

function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: (s: string) => void): Proc {
  // Its own process group, so stop() can signal everything it started; killed with the test
  // process too, should that end (or be killed) before stop().
  const child = spawnInGroup(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let finished = false;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      log(`${cmd}: ${err.message}\n`);
      finished = true;
      resolve();
    });
    child.once('exit', (code, signal) => {
      log(`${cmd} exited code=${code} signal=${signal}\n`);
      finished = true;
      resolve();
    });
  });
  child.stdout?.on('data', (c: Buffer) => log(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => log(c.toString('utf8')));
  return { child, exited, done: () => finished };
}

async function kill(proc: Proc): Promise<void> {
  if (proc.done() || proc.child.pid === undefined) return;
  const signalGroup = (sig: NodeJS.Signals) => killGroup(proc.child, sig);
  signalGroup('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
  });
  if ((await Promise.race([proc.exited.then(() => 'ok' as const), grace])) === 'late') {
    signalGroup('SIGKILL');
    await proc.exited;
  }
  clearTimeout(timer);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll until `ready()` or a process exits; bounded by READY_TRIES. */
async function waitReady(ready: () => Promise<boolean>, procs: Proc[]): Promise<boolean> {
  for (let i = 0; i < READY_TRIES; i++) {
    if (procs.some((p) => p.done())) return false;
    if (await ready()) return true;
    await pause(READY_PAUSE_MS);
  }
  return false;
}

export async function startPebble(opts: PebbleOptions = {}): Promise<Pebble> {
  const workRoot = await mkdtemp(join(tmpdir(), 'beluga-e2e-'));
  let log = '';
  const append = (s: string) => {
    log = (log + s).slice(-LOG_LIMIT);
  };
  try {
    const tls = await makeTls(workRoot);
    const caPem = await readFile(tls.ca, 'utf8');
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      const [acme, mgmt, dns, dnsMgmt] = [
        await freeLoopbackPort(),
        await freeLoopbackPort(),
        await freeLoopbackPort(),
        await freeLoopbackPort(),
      ];
      const configPath = join(workRoot, 'pebble-config.json');
      await writeFile(
        configPath,
        JSON.stringify(
          {
            pebble: {
              listenAddress: `127.0.0.1:${acme}`,
              managementListenAddress: `127.0.0.1:${mgmt}`,
              certificate: tls.cert,
              privateKey: tls.key,
              // unused while PEBBLE_VA_ALWAYS_VALID=1; kept off the well-known ports anyway
              httpPort: 5002,
              tlsPort: 5001,
              ocspResponderURL: '',
              externalAccountBindingRequired: false,
            },
          },
          null,
          2,
        ),
      );
      const base = { PATH: testPath() };
      const challtest = launch(
        'pebble-challtestsrv',
        [
          '-dns01',
          `127.0.0.1:${dns}`,
          '-http01',
          '',
          '-https01',
          '',
          '-tlsalpn01',
          '',
          '-management',
          `127.0.0.1:${dnsMgmt}`,
        ],
        base,
        append,
      );
      const pebble = launch(
        'pebble',
        ['-config', configPath, '-dnsserver', `127.0.0.1:${dns}`],
        {
          ...base,
          PEBBLE_VA_ALWAYS_VALID: '1',
          PEBBLE_VA_NOSLEEP: '1',
          PEBBLE_WFE_NONCEREJECT: '0',
          PEBBLE_AUTHZREUSE: String(opts.authzReuse ?? 0),
          ...opts.env,
        },
        append,
      );
      const procs = [challtest, pebble];
      const directoryUrl = `https://127.0.0.1:${acme}/dir`;
      const up = await waitReady(async () => {
        const dir = await httpsGet(directoryUrl, caPem).catch(() => undefined);
        return dir?.status === 200 && (await httpAnswers(`http://127.0.0.1:${dnsMgmt}/`));
      }, procs);
      if (!up) {
        await Promise.all(procs.map(kill));
        append(`-- start attempt ${attempt} failed --\n`);
        continue;
      }
      return {
        directoryUrl,
        caBundlePath: tls.ca,
        dnsResolver: `127.0.0.1:${dns}`,
        workRoot,
        async rootCertPem() {
          const res = await httpsGet(`https://127.0.0.1:${mgmt}/roots/0`, caPem);
          if (res.status !== 200 || !res.body.includes('BEGIN CERTIFICATE')) {
            throw new Error(`pebble /roots/0 answered ${res.status}: ${res.body.slice(0, 200)}`);
          }
          return res.body;
        },
        logs: () => log,
        async stop() {
          await Promise.all(procs.map(kill));
          await rm(workRoot, { recursive: true, force: true });
        },
      };
    }
    throw new Error(`pebble did not start after ${START_ATTEMPTS} attempts:\n${log}`);
  } catch (err) {
    await rm(workRoot, { recursive: true, force: true });
    throw err;
  }
}
