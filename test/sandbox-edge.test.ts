/**
 * The sandbox's TLS edge: per SNI the certificate its records hold, a switch to an uploaded one
 * after the propagation delay (or never), wrong certificates on demand, and a refused handshake
 * for a name it does not serve. Probed with the product's own probe, over loopback only.
 */
import t, { type Test } from 'tap';
import { X509Certificate } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  formatSandboxBanner,
  startSandbox,
  type EdgeOptions,
  type Sandbox,
  type SeedRecord,
} from '../src/sandbox/index.js';
import { parseEdgeAddress } from '../src/verify/edge-address.js';
import { probeEdge, type ProbeResult } from '../src/verify/edge-probe.js';
import { basic, call, fixture, JSON_TYPE } from './helpers/sandbox-http.js';

const USER = { username: 'edge@example.com', password: 'edge-pw-123456' };
const fp = (name: string) => new X509Certificate(fixture(name)).fingerprint256;
const RSA = fp('rsa2048.crt');
const EC = fp('ec256.crt');
const NET = fp('ec384.crt');

const seeds: SeedRecord[] = [
  { id: '1001', site: 'example-com', certificate: fixture('rsa2048.crt'), key: fixture('rsa2048.pkcs1.key') },
  { id: '1002', site: 'example-net', certificate: fixture('ec384.crt'), key: fixture('ec384.sec1.key') },
  { id: '1003', site: 'shop', certificate: fixture('multi.crt') }, // no key: the edge cannot serve it
];

async function start(t: Test, edge: EdgeOptions = {}, records = seeds): Promise<Sandbox> {
  const sb = await startSandbox({ credentials: USER, records, edge });
  t.teardown(() => sb.close());
  return sb;
}

const probe = (sb: Sandbox, name: string): Promise<ProbeResult> =>
  probeEdge(name, parseEdgeAddress(sb.edgeAddress)!, 5000);
const served = async (sb: Sandbox, name: string) => {
  const r = await probe(sb, name);
  return r.ok ? r.fingerprint256 : `refused: ${r.kind}`;
};

async function upload(sb: Sandbox, id: string, cert: string, key: string): Promise<void> {
  const body = JSON.stringify({ id, certificate: fixture(cert), key: fixture(key) });
  const answer = await call(
    sb.url,
    'PUT',
    '/api/cdn/v2/ssl-certificates',
    { ...basic(USER.username, USER.password), ...JSON_TYPE },
    body,
  );
  if (answer.status !== 200) throw new Error(`upload failed: ${answer.status} ${answer.text}`);
}

t.test('serves each record its own certificate by SNI, on 127.0.0.1, and records the handshakes', async (t) => {
  const sb = await start(t);
  t.match(sb.edgeAddress, /^127\.0\.0\.1:\d+$/);
  t.equal(await served(sb, 'example.com'), RSA);
  t.equal(await served(sb, 'WWW.example.com'), RSA, 'SNI is matched case-insensitively');
  t.equal(await served(sb, 'example.net'), NET);
  const r = await probe(sb, 'www.example.net');
  t.match(r, { ok: true, names: ['example.net', 'www.example.net'] });
  t.same(
    sb.edgeHandshakes.map((h) => h.servername.toLowerCase()),
    ['example.com', 'www.example.com', 'example.net', 'www.example.net'],
  );
});

t.test(
  'a name it does not serve (or whose record has no key) gets the handshake closed: a handshake failure, not a network one',
  async (t) => {
    const sb = await start(t);
    for (const name of ['unknown.example', 'shop.example.org']) {
      const r = await probe(sb, name);
      t.match(
        r,
        {
          ok: false,
          kind: 'handshake',
          detail: new RegExp(`does not serve this name.*${sb.edgeAddress.replace(/\./g, '\\.')}`),
        },
        name,
      );
    }
    t.equal(sb.edgeHandshakes.at(-1)?.fingerprint256, undefined);
  },
);

t.test('a wildcard record covers exactly one label', async (t) => {
  const sb = await start(t, {}, [{ id: '7', certificate: fixture('wildcard.crt'), key: fixture('wildcard.key') }]);
  t.equal(await served(sb, 'a.example.com'), fp('wildcard.crt'));
  t.equal(await served(sb, 'example.com'), fp('wildcard.crt'));
  t.equal(await served(sb, 'a.b.example.com'), 'refused: handshake');
});

t.test('an upload is served at once by default', async (t) => {
  const sb = await start(t);
  await upload(sb, '1001', 'ec256.crt', 'ec256.sec1.key');
  t.equal(await served(sb, 'example.com'), EC);
  t.equal(await served(sb, 'example.net'), NET, 'other records are untouched');
});

t.test('with a propagation delay the old certificate is served first, then the new one', async (t) => {
  const sb = await start(t, { delayMs: 300 });
  await upload(sb, '1001', 'ec256.crt', 'ec256.sec1.key');
  t.equal(await served(sb, 'example.com'), RSA, 'still the old one right after the upload');
  let now = RSA;
  for (let i = 0; i < 100 && now !== EC; i += 1) {
    await sleep(50);
    now = await served(sb, 'example.com');
  }
  t.equal(now, EC, 'switched after the delay');
});

t.test('edge never: the old certificate stays', async (t) => {
  const sb = await start(t, { never: true });
  await upload(sb, '1001', 'ec256.crt', 'ec256.sec1.key');
  t.equal(await served(sb, 'example.com'), RSA);
  t.equal(sb.records()[0]!.certificate, fixture('ec256.crt'), 'the API holds the new one');
});

t.test('an override serves a wrong certificate for one name', async (t) => {
  const sb = await start(t, {
    overrides: [{ name: 'www.example.com', certificate: fixture('ec384.crt'), key: fixture('ec384.sec1.key') }],
  });
  t.equal(await served(sb, 'www.example.com'), NET);
  t.equal(await served(sb, 'example.com'), RSA);
});

t.test('close resolves with a propagation still waiting', async (t) => {
  const sb = await startSandbox({ credentials: USER, records: seeds, edge: { delayMs: 3_600_000 } });
  await upload(sb, '1001', 'ec256.crt', 'ec256.sec1.key');
  await sb.close();
  t.pass('closed');
});

t.test('nothing listens on the edge after close: a network failure', async (t) => {
  const sb = await startSandbox({ credentials: USER, records: seeds });
  const address = sb.edgeAddress;
  await sb.close();
  const r = await probeEdge('example.com', parseEdgeAddress(address)!, 5000);
  t.match(r, { ok: false, kind: 'network', detail: /connection refused/ });
});

t.test('the banner says where the edge is, as the setting to copy', async (t) => {
  const sb = await start(t);
  t.ok(formatSandboxBanner(sb).includes(`  BELUGA_EDGE_ADDRESS=${sb.edgeAddress}`));
});
