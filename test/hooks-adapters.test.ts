/**
 * The client adapters as plain functions (exact messages for every missing or contradictory
 * variable), and runHook in-process: the skip path, adapter errors, and BELUGA_ALLOW_NAME_LOSS
 * from the environment or the config file, against the sandbox.
 */
import t from 'tap';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeFetchClient } from '../src/http.js';
import { fromCertbot } from '../src/hooks/certbot.js';
import { fromDehydrated } from '../src/hooks/dehydrated.js';
import { fromLego } from '../src/hooks/lego.js';
import { runHook } from '../src/hooks/run-hook.js';
import type { Adapter } from '../src/hooks/hook-input.js';
import { startSandbox } from '../src/sandbox/index.js';
import { fixture, fixtureText } from './helpers/run-cli.js';
import { tempStateDir } from './helpers/state-dir.js';

const base = { dryRun: false, json: false, allowNameLoss: false, force: false };
const exists =
  (...present: string[]) =>
  (p: string) =>
    present.includes(p);
const none = exists();

t.test('lego v4: paths, domain, issuer as chain only when the file exists', async (t) => {
  const env = {
    LEGO_CERT_PATH: '/l/a.crt',
    LEGO_CERT_KEY_PATH: '/l/a.key',
    LEGO_CERT_DOMAIN: 'a.example',
    LEGO_ISSUER_CERT_PATH: '/l/a.issuer.crt',
  };
  t.same(fromLego(env, [], exists('/l/a.issuer.crt')), {
    ...base,
    cert: '/l/a.crt',
    key: '/l/a.key',
    domain: 'a.example',
    chain: '/l/a.issuer.crt',
  });
  t.same(
    fromLego(env, [], none),
    { ...base, cert: '/l/a.crt', key: '/l/a.key', domain: 'a.example' },
    'set but not written: no chain',
  );
  const { LEGO_ISSUER_CERT_PATH: _i, LEGO_CERT_DOMAIN: _d, ...old } = env;
  t.same(
    fromLego(old, [], exists('/l/a.issuer.crt')),
    { ...base, cert: '/l/a.crt', key: '/l/a.key' },
    'lego < 4.17: no issuer variable, no domain',
  );
  t.same(
    fromLego({ ...env, LEGO_CERT_DOMAIN: '*.example.com' }, [], none).domain,
    '*.example.com',
    'wildcard passed as given',
  );
});

t.test('lego v5: LEGO_HOOK_* names; domain = first of LEGO_HOOK_CERT_DOMAINS, else LEGO_HOOK_CERT_NAME', async (t) => {
  const env = {
    LEGO_HOOK_CERT_PATH: '/l/c.crt',
    LEGO_HOOK_CERT_KEY_PATH: '/l/c.key',
    LEGO_HOOK_CERT_NAME: 'my-cert',
    LEGO_HOOK_CERT_DOMAINS: ' www.example.com , example.com',
    LEGO_HOOK_ISSUER_CERT_PATH: '/l/c.issuer.crt',
  };
  t.same(fromLego(env, [], exists('/l/c.issuer.crt')), {
    ...base,
    cert: '/l/c.crt',
    key: '/l/c.key',
    domain: 'www.example.com',
    chain: '/l/c.issuer.crt',
  });
  t.equal(fromLego({ ...env, LEGO_HOOK_CERT_DOMAINS: '' }, [], none).domain, 'my-cert');
  // v5 wins over v4 names that agree (or that name other things).
  const both = {
    ...env,
    LEGO_CERT_PATH: '/l/c.crt',
    LEGO_CERT_KEY_PATH: '/l/./c.key',
    LEGO_CERT_DOMAIN: 'old.example',
    LEGO_ISSUER_CERT_PATH: '/l/old.issuer.crt',
  };
  t.same(fromLego(both, [], exists('/l/old.issuer.crt')), {
    ...base,
    cert: '/l/c.crt',
    key: '/l/c.key',
    domain: 'www.example.com',
  });
});

t.test('lego: every missing or contradictory variable named in one line', async (t) => {
  const cases: Array<[Record<string, string>, string[], string]> = [
    [
      {},
      [],
      'lego hook: missing LEGO_HOOK_CERT_PATH and LEGO_HOOK_CERT_KEY_PATH (lego v5) or LEGO_CERT_PATH and LEGO_CERT_KEY_PATH (lego v4); lego sets them when it runs this as --deploy-hook (v5) or --renew-hook / --run-hook (v4)',
    ],
    [
      { LEGO_CERT_DOMAIN: 'example.com', LEGO_CERT_PATH: ' ' },
      [],
      'lego hook: missing LEGO_HOOK_CERT_PATH and LEGO_HOOK_CERT_KEY_PATH (lego v5) or LEGO_CERT_PATH and LEGO_CERT_KEY_PATH (lego v4); lego sets them when it runs this as --deploy-hook (v5) or --renew-hook / --run-hook (v4)',
    ],
    [
      { LEGO_CERT_PATH: '/a.crt' },
      [],
      'lego hook: missing LEGO_CERT_KEY_PATH (lego v4 sets it together with LEGO_CERT_PATH)',
    ],
    [
      { LEGO_CERT_KEY_PATH: '/a.key' },
      [],
      'lego hook: missing LEGO_CERT_PATH (lego v4 sets it together with LEGO_CERT_KEY_PATH)',
    ],
    [
      { LEGO_HOOK_CERT_KEY_PATH: '/a.key', LEGO_CERT_PATH: '/a.crt' },
      [],
      'lego hook: missing LEGO_HOOK_CERT_PATH (lego v5 sets it together with LEGO_HOOK_CERT_KEY_PATH)',
    ],
    [
      {
        LEGO_HOOK_CERT_PATH: '/b.crt',
        LEGO_HOOK_CERT_KEY_PATH: '/b.key',
        LEGO_CERT_PATH: '/a.crt',
        LEGO_CERT_KEY_PATH: '/b.key',
      },
      [],
      'lego hook: contradictory lego variables: LEGO_HOOK_CERT_PATH=/b.crt but LEGO_CERT_PATH=/a.crt; unset the LEGO_CERT_* (v4) names where lego v5 runs the hook',
    ],
    [
      {
        LEGO_HOOK_CERT_PATH: '/b.crt',
        LEGO_HOOK_CERT_KEY_PATH: '/b.key',
        LEGO_CERT_PATH: '/a.crt',
        LEGO_CERT_KEY_PATH: '/a.key',
      },
      [],
      'lego hook: contradictory lego variables: LEGO_HOOK_CERT_PATH=/b.crt but LEGO_CERT_PATH=/a.crt; LEGO_HOOK_CERT_KEY_PATH=/b.key but LEGO_CERT_KEY_PATH=/a.key; unset the LEGO_CERT_* (v4) names where lego v5 runs the hook',
    ],
    [
      { LEGO_CERT_PATH: '/a.crt', LEGO_CERT_KEY_PATH: '/a.key' },
      ['--dry-run', 'tok-secret'],
      'lego hook: takes no arguments (got 2, not shown in case one is a secret); lego passes everything in LEGO_* variables: use --deploy-hook /path/to/hooks/lego (v5) or --renew-hook / --run-hook (v4) alone',
    ],
  ];
  for (const [env, argv, message] of cases) {
    t.throws(
      () => fromLego(env, argv, none),
      { name: 'HookError', code: 'CONFIG', exitCode: 3, message },
      message.slice(0, 60),
    );
  }
});

t.test('certbot: the lineage files, chain only if present, first of RENEWED_DOMAINS', async (t) => {
  const lin = '/etc/letsencrypt/live/example.com';
  const env = { RENEWED_LINEAGE: lin, RENEWED_DOMAINS: '*.example.com example.com' };
  t.same(fromCertbot(env, [], exists(`${lin}/chain.pem`)), {
    ...base,
    cert: `${lin}/cert.pem`,
    key: `${lin}/privkey.pem`,
    chain: `${lin}/chain.pem`,
    domain: '*.example.com',
  });
  t.same(fromCertbot({ RENEWED_LINEAGE: lin }, [], none), {
    ...base,
    cert: `${lin}/cert.pem`,
    key: `${lin}/privkey.pem`,
  });
  t.throws(() => fromCertbot({ RENEWED_DOMAINS: 'example.com' }, [], none), {
    code: 'CONFIG',
    message:
      'certbot hook: missing RENEWED_LINEAGE; certbot sets it only for deploy hooks: run this as certbot --deploy-hook /path/to/hooks/certbot, or put it (executable) in /etc/letsencrypt/renewal-hooks/deploy/',
  });
  t.throws(() => fromCertbot(env, ['x'], none), {
    code: 'CONFIG',
    message: /^certbot hook: takes no arguments \(got 1,/,
  });
});

t.test(
  'dehydrated: deploy_cert mapped by position; every other handler skipped; missing arguments named',
  async (t) => {
    const args = [
      'deploy_cert',
      'example.com',
      '/d/privkey.pem',
      '/d/cert.pem',
      '/d/fullchain.pem',
      '/d/chain.pem',
      '1700000000',
    ];
    t.same(fromDehydrated({}, args), {
      ...base,
      cert: '/d/cert.pem',
      key: '/d/privkey.pem',
      chain: '/d/chain.pem',
      domain: 'example.com',
    });
    t.same(fromDehydrated({}, args.slice(0, 6)), fromDehydrated({}, args), 'TIMESTAMP is not needed');
    for (const name of [
      'deploy_challenge',
      'clean_challenge',
      'unchanged_cert',
      'invalid_challenge',
      'request_failure',
      'startup_hook',
      'exit_hook',
      'sync_cert',
      'generate_csr',
      'deploy_ocsp',
      'this_hookname_is_new',
    ]) {
      t.match(fromDehydrated({}, [name, 'example.com']), { skip: String }, name);
    }
    const call = 'dehydrated calls it as deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE TIMESTAMP';
    t.throws(() => fromDehydrated({}, ['deploy_cert', 'example.com', '/d/privkey.pem']), {
      code: 'CONFIG',
      message: `dehydrated hook: deploy_cert is missing CERTFILE, FULLCHAINFILE, CHAINFILE; ${call}`,
    });
    t.throws(() => fromDehydrated({}, ['deploy_cert']), {
      code: 'CONFIG',
      message: `dehydrated hook: deploy_cert is missing DOMAIN, KEYFILE, CERTFILE, FULLCHAINFILE, CHAINFILE; ${call}`,
    });
    t.throws(() => fromDehydrated({}, ['deploy_cert', 'example.com', '', '/d/cert.pem', '/d/f.pem', '/d/chain.pem']), {
      message: /is missing KEYFILE;/,
    });
    t.throws(() => fromDehydrated({}, []), {
      code: 'CONFIG',
      message:
        "dehydrated hook: missing the handler name; dehydrated runs it as HOOK deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE TIMESTAMP: set HOOK=/path/to/hooks/dehydrated in dehydrated's config",
    });
  },
);

// ------------------------------------------------------------------- runHook, in-process

const TOKEN = { tokenId: 'tok-id', tokenSecret: 'tok-secret-0123456789' };

function capture() {
  const chunks = { out: '', err: '' };
  return {
    chunks,
    stdout: {
      write: (s: string) => {
        chunks.out += s;
      },
    },
    stderr: {
      write: (s: string) => {
        chunks.err += s;
      },
    },
  };
}

t.test('runHook: a skip prints nothing and sends nothing; an adapter error is one CONFIG line', async (t) => {
  const c = capture();
  const ctx = {
    env: {},
    stdout: c.stdout,
    stderr: c.stderr,
    http: nodeFetchClient,
    now: () => new Date(),
    host: 'test-host',
  };
  t.equal(await runHook(fromDehydrated, ['clean_challenge', 'example.com', 'tok', 'auth'], ctx), 0);
  t.same(c.chunks, { out: '', err: '' });
  t.equal(await runHook(fromDehydrated, ['deploy_cert', 'example.com'], ctx), 3);
  t.equal(
    c.chunks.err,
    'beluga-cert: CONFIG: dehydrated hook: deploy_cert is missing KEYFILE, CERTFILE, FULLCHAINFILE, CHAINFILE; dehydrated calls it as deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE TIMESTAMP\n',
  );
  const boom: Adapter = () => {
    throw new TypeError('not ours');
  };
  await t.rejects(runHook(boom, [], ctx), TypeError, 'an unknown error is left to the caller (INTERNAL)');
});

t.test('runHook: BELUGA_ALLOW_NAME_LOSS from the config file, the environment winning', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bch-hooks-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const serves = ['example.com', 'www.example.com', 'shop.example.com'];
  const seed = () => [
    {
      id: '1001',
      site: 'example-com',
      certificate: fixtureText('rsa2048.crt'),
      key: fixtureText('rsa2048.pkcs1.key'),
      names: serves,
    },
  ];
  const configFile = async (extra: string) => {
    const path = join(dir, `env-${Math.random().toString(36).slice(2)}`);
    await writeFile(path, `BELUGA_TOKEN_ID=${TOKEN.tokenId}\nBELUGA_TOKEN_SECRET=${TOKEN.tokenSecret}\n${extra}`);
    await chmod(path, 0o600);
    return path;
  };
  const args = [
    'deploy_cert',
    'example.com',
    fixture('ec256.sec1.key'),
    fixture('ec256.bundle.crt'),
    fixture('ec256.bundle.crt'),
    fixture('chain.pem'),
    '1',
  ];
  const cases: Array<[string, string, Record<string, string>, number, RegExp]> = [
    ['not set: refused', '', {}, 23, /NAME_LOSS: the new certificate does not cover shop.example.com/],
    [
      'file true',
      'BELUGA_ALLOW_NAME_LOSS=true\n',
      {},
      0,
      /warning: --allow-name-loss: shop.example.com will no longer be covered/,
    ],
    [
      'file true, environment false',
      'BELUGA_ALLOW_NAME_LOSS=true\n',
      { BELUGA_ALLOW_NAME_LOSS: 'false' },
      23,
      /NAME_LOSS/,
    ],
    ['environment true', '', { BELUGA_ALLOW_NAME_LOSS: 'on' }, 0, /will no longer be covered/],
    [
      'environment junk',
      '',
      { BELUGA_ALLOW_NAME_LOSS: 'maybe' },
      3,
      /CONFIG: BELUGA_ALLOW_NAME_LOSS must be true or false \(got maybe\)/,
    ],
    [
      'file junk',
      'BELUGA_ALLOW_NAME_LOSS=sometimes\n',
      {},
      3,
      /CONFIG: BELUGA_ALLOW_NAME_LOSS must be true or false \(got sometimes\)/,
    ],
  ];
  for (const [name, extra, env, code, pattern] of cases) {
    const sb = await startSandbox({ credentials: TOKEN, records: seed() });
    const c = capture();
    const ctx = {
      env: {
        BELUGA_BASE_URL: sb.url,
        BELUGA_HOOK_CONFIG: await configFile(extra),
        BELUGA_HOOK_STATE_DIR: tempStateDir(),
        ...env,
      },
      stdout: c.stdout,
      stderr: c.stderr,
      http: nodeFetchClient,
      now: () => new Date(),
      host: 'test-host',
    };
    t.equal(await runHook(fromDehydrated, args, ctx), code, `${name}: exit code`);
    t.match(c.chunks.out + c.chunks.err, pattern, `${name}: output`);
    t.equal(sb.requests.filter((q) => q.method === 'PUT').length, code === 0 ? 1 : 0, `${name}: uploads`);
    await sb.close();
  }
  // An unreadable config file is reported by the deploy itself, not swallowed.
  const c = capture();
  const missing = join(dir, 'nope');
  t.equal(
    await runHook(fromDehydrated, args, {
      env: { BELUGA_HOOK_CONFIG: missing, BELUGA_HOOK_STATE_DIR: tempStateDir() },
      stdout: c.stdout,
      stderr: c.stderr,
      http: nodeFetchClient,
      now: () => new Date(),
      host: 'h',
    }),
    3,
  );
  t.match(c.chunks.err, `config file ${missing} (BELUGA_HOOK_CONFIG) does not exist`);
});
