/**
 * The verify step's parts, in process: the settings, how a served certificate is classified, the
 * one-line text for every outcome, and polling (immediate, delayed, never, unreachable) with a
 * scripted probe and a clock that only moves when the poller sleeps.
 */
import t from 'tap';
import type { CheckedCertificate } from '../src/certificate/types.js';
import type { DeployRecorder } from '../src/journal/deploy-recorder.js';
import { HookError } from '../src/errors.js';
import type { EdgeCheck } from '../src/journal/types.js';
import { entryProblem } from '../src/journal/validate-entry.js';
import { createOutput } from '../src/redact.js';
import { createEdgeStep } from '../src/verify/edge-step.js';
import type { EdgeNameResult } from '../src/notify/types.js';
import { classify } from '../src/verify/classify.js';
import { formatEdgeAddress, parseEdgeAddress } from '../src/verify/edge-address.js';
import type { Probe, ProbeResult } from '../src/verify/edge-probe.js';
import { duration, edgeText, expiresIn } from '../src/verify/edge-summary.js';
import { MAX_ROUNDS, pollEdge, probeableNames, type PollRequest } from '../src/verify/poll-edge.js';
import { effectiveMode, verifySettingsFromEnv } from '../src/verify/verify-settings.js';

const AT = new Date('2026-11-27T12:00:00Z');
const DAY = 86_400_000;
const NEW = { fingerprint256: 'NE:W0', notBefore: new Date('2026-11-27T00:00:00Z') };
const served = (
  fp: string,
  names: string[],
  notBefore = '2026-08-29T00:00:00Z',
  notAfter = new Date(AT.getTime() + 9 * DAY).toISOString(),
): ProbeResult => ({
  ok: true,
  fingerprint256: fp,
  names,
  notBefore: new Date(notBefore),
  notAfter: new Date(notAfter),
});

t.test('BELUGA_EDGE_ADDRESS: host:port, IPv4, [IPv6]; anything else is undefined', async (t) => {
  t.same(parseEdgeAddress('edge.example.net:443'), { host: 'edge.example.net', port: 443 });
  t.same(parseEdgeAddress('127.0.0.1:8443'), { host: '127.0.0.1', port: 8443 });
  t.same(parseEdgeAddress('[::1]:8443'), { host: '::1', port: 8443 });
  t.equal(formatEdgeAddress({ host: '::1', port: 8443 }), '[::1]:8443');
  for (const bad of [
    'edge.example.net',
    '::1:443',
    '127.0.0.1:0',
    '127.0.0.1:70000',
    'https://edge:443',
    'a b:443',
    '',
  ]) {
    t.equal(parseEdgeAddress(bad), undefined, bad);
  }
});

t.test('settings: defaults, every bad value named in one CONFIG error, or collected for the deploy', async (t) => {
  t.same(verifySettingsFromEnv({}), { mode: 'auto', timeoutMs: 45_000, edgeAddress: undefined });
  t.same(
    verifySettingsFromEnv({ BELUGA_VERIFY: 'Later', BELUGA_VERIFY_TIMEOUT: '2.5', BELUGA_EDGE_ADDRESS: '[::1]:9' }),
    { mode: 'later', timeoutMs: 2500, edgeAddress: { host: '::1', port: 9 } },
  );
  t.throws(
    () =>
      verifySettingsFromEnv({ BELUGA_VERIFY: 'sometimes', BELUGA_VERIFY_TIMEOUT: '0', BELUGA_EDGE_ADDRESS: 'edge' }),
    new HookError(
      'CONFIG',
      'BELUGA_VERIFY must be one of off, hook, later, auto (got sometimes); BELUGA_VERIFY_TIMEOUT must be a number of seconds from 1 to 600 (got 0); ' +
        'BELUGA_EDGE_ADDRESS must be host:port, e.g. 203.0.113.7:443 or [2001:db8::7]:443 (got edge); set them in the environment or in the config file (BELUGA_HOOK_CONFIG)',
    ),
  );
  const problems: string[] = [];
  t.same(verifySettingsFromEnv({ BELUGA_EDGE_ADDRESS: 'nope' }, problems).mode, 'off');
  t.equal(problems.length, 1);
});

t.test(
  'auto against a loopback API (a sandbox) checks nothing unless an edge is pinned; explicit modes stay',
  async (t) => {
    const auto = verifySettingsFromEnv({});
    t.equal(effectiveMode(auto, 'http://127.0.0.1:8080'), 'off');
    t.equal(effectiveMode(auto, 'http://localhost:1/api'), 'off');
    t.equal(effectiveMode(auto, 'http://[::1]:9'), 'off');
    t.equal(effectiveMode(auto, 'https://api.belugacdn.com'), 'auto');
    t.equal(
      effectiveMode(verifySettingsFromEnv({ BELUGA_EDGE_ADDRESS: '127.0.0.1:1' }), 'http://127.0.0.1:8080'),
      'auto',
    );
    t.equal(effectiveMode(verifySettingsFromEnv({ BELUGA_VERIFY: 'hook' }), 'http://127.0.0.1:8080'), 'hook');
    t.same(probeableNames(['Example.com', '*.example.com', 'example.com', 'www.example.com']), [
      'example.com',
      'www.example.com',
    ]);
  },
);

t.test(
  'classify: served, old (by the journal, or an older certificate for the name), other, unreachable',
  async (t) => {
    t.same(classify('example.com', served('NE:W0', ['example.com']), NEW, 4), {
      name: 'example.com',
      outcome: 'served',
      afterSeconds: 4,
    });
    t.match(
      classify(
        'example.com',
        served('OL:D0', ['x.test'], '2027-01-01T00:00:00Z'),
        { ...NEW, previousFingerprint256: 'OL:D0' },
        1,
      ),
      { outcome: 'old', servedFingerprint256: 'OL:D0' },
    );
    t.match(classify('www.example.com', served('OL:D1', ['*.example.com']), NEW, 1), { outcome: 'old' });
    t.match(classify('example.com', served('OT:H1', ['example.net']), NEW, 1), {
      outcome: 'other',
      servedFingerprint256: 'OT:H1',
    });
    t.match(
      classify('example.com', served('OT:H2', ['example.com'], '2027-01-01T00:00:00Z'), NEW, 1),
      { outcome: 'other' },
      'a newer certificate is not "the old one"',
    );
    t.same(
      classify('example.com', { ok: false, kind: 'network', detail: 'connection refused (127.0.0.1:1)' }, NEW, 1),
      { name: 'example.com', outcome: 'unreachable', detail: 'connection refused (127.0.0.1:1)' },
    );
  },
);

t.test('the one-line text for each outcome, as Slack shows it', async (t) => {
  const r = (
    name: string,
    outcome: EdgeNameResult['outcome'],
    extra: Partial<EdgeNameResult> = {},
  ): EdgeNameResult => ({ name, outcome, ...extra });
  const in9 = new Date(AT.getTime() + 9 * DAY + 3600_000);
  t.equal(edgeText([r('example.com', 'served', { afterSeconds: 14 })], AT), 'live on the edge after 14 s');
  t.equal(
    edgeText([r('a.test', 'served', { afterSeconds: 3 }), r('b.test', 'served', { afterSeconds: 14 })], AT),
    'live on the edge after 14 s (all 2 names)',
  );
  t.equal(
    edgeText([r('a.test', 'old', { servedNotAfter: in9 }), r('b.test', 'old', { servedNotAfter: in9 })], AT),
    'edge still serves the old certificate, expires in 9 days',
  );
  t.equal(
    edgeText([r('a.test', 'served', { afterSeconds: 2 }), r('b.test', 'old', { servedNotAfter: in9 })], AT),
    'live for a.test after 2 s; edge still serves the old certificate for b.test, expires in 9 days',
  );
  t.equal(
    edgeText([r('a.test', 'other', { servedFingerprint256: '65:5B:9E:44:F7:46' })], AT),
    'edge serves another certificate (sha256 65:5B:9E:44…)',
  );
  t.equal(
    edgeText([r('a.test', 'unreachable', { detail: 'connection refused (127.0.0.1:1)' })], AT),
    'edge unreachable: connection refused (127.0.0.1:1)',
  );
  t.equal(
    edgeText([r('a.test', 'served', { afterSeconds: 1 }), r('b.test', 'unreachable', { detail: 'x' })], AT),
    'live for a.test after 1 s; edge unreachable for b.test: x',
  );
  t.equal(edgeText([], AT), 'not checked: the certificate has only wildcard names, which have no host to ask for');
  t.same(
    [
      expiresIn(new Date(AT.getTime() + DAY + 1), AT),
      expiresIn(new Date(AT.getTime() + 5), AT),
      expiresIn(new Date(AT.getTime() - 1), AT),
    ],
    ['expires in 1 day', 'expires today', 'expired'],
  );
  t.same([duration(14), duration(600), duration(7200)], ['14 s', '10 min', '2 h']);
});

/** A clock that moves only when the poller sleeps, and a probe that plays a script per call. */
function harness(script: (name: string, call: number) => ProbeResult) {
  let clock = 1_000_000;
  const calls: Array<{ name: string; host: string; port: number; at: number }> = [];
  const sleeps: number[] = [];
  const count = new Map<string, number>();
  const probe: Probe = async (name, address) => {
    const n = (count.get(name) ?? 0) + 1;
    count.set(name, n);
    calls.push({ name, host: address.host, port: address.port, at: clock });
    return script(name, n);
  };
  // The top of the backoff's jitter: each wait is its ceiling, 1 s, 2 s, 4 s ... 8 s.
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    clock += ms;
  };
  const deps = { probe, now: () => clock, sleep, random: () => 0.999999 };
  const req = (extra: Partial<PollRequest> = {}): PollRequest => ({
    names: ['example.com', 'www.example.com'],
    expected: NEW,
    edgeAddress: { host: '127.0.0.1', port: 9443 },
    uploadedAt: clock,
    deadline: clock + 30_000,
    giveUpWithoutEdge: false,
    ...extra,
  });
  return { deps, req, calls, sleeps };
}

t.test('poll: served at once is one round, no wait, SNI per name to the pinned address', async (t) => {
  const h = harness(() => served('NE:W0', ['example.com', 'www.example.com']));
  const r = await pollEdge(h.req(), h.deps);
  t.same(
    r.names.map((n) => [n.name, n.outcome, n.afterSeconds]),
    [
      ['example.com', 'served', 0],
      ['www.example.com', 'served', 0],
    ],
  );
  t.equal(r.rounds, 1);
  t.same(h.sleeps, []);
  t.same(
    h.calls.map((c) => `${c.name}@${c.host}:${c.port}`),
    ['example.com@127.0.0.1:9443', 'www.example.com@127.0.0.1:9443'],
  );
});

t.test('poll: delayed propagation backs off 1, 2, 4 s and asks only the names still waiting', async (t) => {
  const h = harness((name, call) =>
    (name === 'www.example.com' && call < 4) || (name === 'example.com' && call < 2)
      ? served('OL:D0', ['example.com', 'www.example.com'])
      : served('NE:W0', []),
  );
  const r = await pollEdge(h.req(), h.deps);
  t.same(
    r.names.map((n) => [n.outcome, n.afterSeconds]),
    [
      ['served', 1],
      ['served', 7],
    ],
  );
  t.same(h.sleeps, [1000, 2000, 4000]);
  t.equal(h.calls.filter((c) => c.name === 'example.com').length, 2, 'a served name is not asked again');
});

t.test(
  'poll: never propagating ends at the deadline, old with its expiry; the waits are capped and bounded',
  async (t) => {
    const h = harness(() => served('OL:D0', ['example.com', 'www.example.com']));
    const r = await pollEdge(h.req(), h.deps);
    t.same(
      r.names.map((n) => n.outcome),
      ['old', 'old'],
    );
    t.ok(h.sleeps.every((ms) => ms <= 8000));
    t.ok(h.sleeps.reduce((a, b) => a + b, 0) < 30_000, 'never waits past the deadline');
    const long = harness(() => served('OL:D0', ['example.com']));
    const bounded = await pollEdge(long.req({ deadline: Number.MAX_SAFE_INTEGER }), long.deps);
    t.equal(bounded.rounds, MAX_ROUNDS, 'a bounded number of rounds, whatever the deadline');
    const once = harness(() => served('OL:D0', ['example.com']));
    t.equal((await pollEdge(once.req({ maxRounds: 1 }), once.deps)).rounds, 1);
    t.same(once.sleeps, []);
  },
);

t.test(
  'poll: auto gives up after one round when no edge answers at all; hook mode keeps trying; a refusal is an answer',
  async (t) => {
    const down: ProbeResult = { ok: false, kind: 'network', detail: 'connection refused (127.0.0.1:9443)' };
    const auto = harness(() => down);
    const a = await pollEdge(auto.req({ giveUpWithoutEdge: true }), auto.deps);
    t.equal(a.noEdge, true);
    t.equal(a.rounds, 1);
    const hook = harness(() => down);
    const b = await pollEdge(hook.req(), hook.deps);
    t.equal(b.noEdge, false);
    t.ok(b.rounds > 1);
    t.same(
      b.names.map((n) => n.outcome),
      ['unreachable', 'unreachable'],
    );
    const refused = harness(() => ({ ok: false, kind: 'handshake', detail: 'does not serve this name' }));
    const c = await pollEdge(refused.req({ giveUpWithoutEdge: true }), refused.deps);
    t.equal(c.noEdge, false, 'the edge answered: it just does not serve the name');
  },
);

t.test('journal entries: the edge field is optional (older files stay valid) and checked when present', async (t) => {
  const base = { key: 'domain:example.com', domain: 'example.com', attempts: [] };
  t.equal(entryProblem(base), undefined);
  const edge = {
    state: 'pending',
    fingerprint256: 'AB:CD',
    names: ['example.com'],
    uploadedAt: '2026-11-27T12:00:00.000Z',
  };
  t.equal(entryProblem({ ...base, edge }), undefined);
  t.equal(
    entryProblem({
      ...base,
      edge: { ...edge, state: 'served', checkedAt: '2026-11-27T12:00:14.000Z', text: 'live on the edge after 14 s' },
    }),
    undefined,
  );
  t.equal(entryProblem({ ...base, edge: { ...edge, state: 'maybe' } }), 'edge.state is not one of pending, served');
  t.equal(entryProblem({ ...base, edge: { ...edge, uploadedAt: 'soon' } }), 'edge.uploadedAt is not a date');
});

t.test(
  'the step: later records a pending check without asking; a spent budget does the same; off is no step',
  async (t) => {
    const quiet = createOutput({ write: () => true }, { write: () => true });
    const cert = {
      names: ['*.example.com', 'example.com'],
      fingerprint256: 'NE:W0',
      notBefore: NEW.notBefore,
    } as CheckedCertificate;
    const recorded: EdgeCheck[] = [];
    const recorder = {
      recordEdge: async (e: EdgeCheck) => {
        recorded.push(e);
      },
    } as unknown as DeployRecorder;
    const asked: string[] = [];
    const probe: Probe = async (name) => {
      asked.push(name);
      return served('NE:W0', []);
    };
    t.equal(createEdgeStep({ mode: 'off', timeoutMs: 1000 }), undefined);
    const later = await createEdgeStep({ mode: 'later', timeoutMs: 45_000 }, { probe })!(cert, recorder, quiet);
    t.match(later, { status: 'later', text: /^edge check pending/ });
    const spent = await createEdgeStep({ mode: 'hook', timeoutMs: 45_000, budgetLeftMs: () => 5500 }, { probe })!(
      cert,
      recorder,
      quiet,
    );
    t.match(spent, { status: 'skipped', text: /run budget \(BELUGA_RUN_BUDGET\) is spent/ });
    t.same(asked, [], 'the edge was not asked');
    t.match(recorded, [{ state: 'pending', names: ['example.com'], fingerprint256: 'NE:W0' }, { state: 'pending' }]);
    const now = await createEdgeStep({ mode: 'hook', timeoutMs: 45_000 }, { probe })!(cert, recorder, quiet);
    t.match(now, {
      status: 'checked',
      text: 'live on the edge after 0 s',
      names: [{ name: 'example.com', outcome: 'served' }],
    });
    t.same(asked, ['example.com'], 'the wildcard name is not asked');
    t.match(recorded.at(-1), { state: 'served', text: 'live on the edge after 0 s' });
    const wild = await createEdgeStep({ mode: 'hook', timeoutMs: 45_000 }, { probe })!(
      { ...cert, names: ['*.example.com'] },
      recorder,
      quiet,
    );
    t.match(wild, { status: 'skipped', text: /only wildcard names/ });
  },
);

t.test(
  'finishing pending checks: each asked once, recorded; past the deadline the rest stay pending and are counted',
  async (t) => {
    const { openJournal } = await import('../src/journal/index.js');
    const { finishPendingChecks } = await import('../src/verify/pending-checks.js');
    const { tempStateDir } = await import('./helpers/state-dir.js');
    const journal = await openJournal(tempStateDir(), { now: () => new Date(), onWarning: (line) => t.fail(line) });
    const entry = (domain: string) => ({
      key: `domain:${domain}`,
      domain,
      attempts: [],
      deployed: {
        fingerprint256: 'NE:W0',
        notBefore: '2026-11-27T00:00:00.000Z',
        notAfter: '2027-02-25T00:00:00.000Z',
        names: [domain],
        at: '2026-11-27T11:00:00.000Z',
        recordId: '7',
        files: { cert: '/c', key: '/k' },
      },
      edge: {
        state: 'pending' as const,
        fingerprint256: 'NE:W0',
        names: [domain],
        uploadedAt: '2026-11-27T11:00:00.000Z',
      },
    });
    for (const d of ['a.example', 'b.example', 'c.example']) await journal.write(entry(d));
    const asked: string[] = [];
    const probe: Probe = async (name) => {
      asked.push(name);
      return served('NE:W0', [name], '2026-11-27T00:00:00Z');
    };

    const none = await finishPendingChecks(journal, { probe, deadline: Date.now() - 1 });
    t.same(none, { finished: [], left: 3 }, 'a spent budget asks nothing and says how many wait');
    t.same(asked, []);

    const all = await finishPendingChecks(journal, { probe });
    t.equal(all.left, 0);
    t.same(
      all.finished.map((f) => [f.domain, f.served]),
      [
        ['a.example', true],
        ['b.example', true],
        ['c.example', true],
      ],
    );
    t.same(asked, ['a.example', 'b.example', 'c.example']);
    t.equal((await journal.read('domain:b.example'))?.edge?.state, 'served', 'recorded in the journal');
    t.same(await finishPendingChecks(journal, { probe }), { finished: [], left: 0 }, 'nothing pending any more');
  },
);
