import t from 'tap';
import { checkNameLoss, lostNames, resolveRecord } from '../src/beluga/resolve-record.js';
import type { BelugaRecord } from '../src/beluga/types.js';
import type { CheckedCertificate } from '../src/certificate/types.js';

const cert = (domain: string, names: string[]): CheckedCertificate => ({
  domain,
  names,
  notBefore: new Date(0),
  notAfter: new Date(0),
  serial: '01',
  fingerprint256: 'AA',
  keyDescription: 'EC P-256',
  certificatePem: '',
  chainPem: '',
  chainCount: 0,
  keyPem: '',
});
const rec = (id: string | number, ...names: string[]): BelugaRecord => ({ id, names });
const records = [
  rec('1', 'example.com', 'www.example.com'),
  rec(2, 'Example.ORG'),
  rec('3', 'shop.example.org', 'example.org'),
  rec('4', 'other.test'),
];

t.test('BELUGA_CERT_ID pins a record, which must exist', async (t) => {
  const r = resolveRecord(records, cert('example.com', ['example.com']), { certId: '4' });
  t.equal(r.action === 'update' && r.record.id, '4');
  // Numeric ids on the wire still match a string setting, and are kept as sent.
  const n = resolveRecord(records, cert('example.org', ['example.org']), { certId: '2' });
  t.equal(n.action === 'update' && n.record.id, 2);
  t.throws(() => resolveRecord(records, cert('example.com', ['example.com']), { certId: '99' }), {
    code: 'RECORD_NOT_FOUND',
    message:
      /BELUGA_CERT_ID=99 is not among the 4 Beluga certificates \(certificates holding example.com: id=1 \(example.com, www.example.com\)\)/,
  });
});

t.test('one record holding the domain (case-insensitive) is the one', async (t) => {
  const r = resolveRecord(records, cert('EXAMPLE.com', ['example.com']), {});
  t.equal(r.action === 'update' && r.record.id, '1');
  t.match(r.how, /only one holding/);
});

t.test("several: the one whose names equal the certificate's, else stop and list them", async (t) => {
  const r = resolveRecord(records, cert('example.org', ['example.org', 'shop.example.org']), {});
  t.equal(r.action === 'update' && r.record.id, '3');
  t.throws(() => resolveRecord(records, cert('example.org', ['example.org', 'blog.example.org']), {}), {
    code: 'AMBIGUOUS_RECORD',
    message:
      /2 Beluga certificates hold example.org and none has exactly.*id=2 \(Example.ORG\); id=3 \(shop.example.org, example.org\); set BELUGA_CERT_ID/,
  });
  const twins = [rec('a', 'x.test'), rec('b', 'x.test')];
  t.throws(() => resolveRecord(twins, cert('x.test', ['x.test']), {}), {
    code: 'AMBIGUOUS_RECORD',
    message: /several have/,
  });
});

t.test('none: create for BELUGA_SITE, or say which setting to use', async (t) => {
  const r = resolveRecord(records, cert('new.test', ['new.test']), { site: 'my-site' });
  t.same([r.action, r.action === 'create' && r.site], ['create', 'my-site']);
  t.throws(() => resolveRecord([], cert('new.test', ['new.test']), {}), {
    code: 'NO_RECORD',
    message: /no Beluga certificate holds new.test; set BELUGA_SITE .* or BELUGA_CERT_ID/,
  });
});

t.test('name loss: wildcards cover exactly one label', async (t) => {
  const wild = cert('example.com', ['*.example.com', 'example.com']);
  t.same(lostNames(rec('1', 'example.com', 'www.example.com', 'API.example.com'), wild), []);
  t.same(lostNames(rec('1', 'a.b.example.com', 'example.net', '*.example.com'), wild), [
    'a.b.example.com',
    'example.net',
  ]);
  t.same(lostNames(rec('1', '*.example.com'), cert('example.com', ['www.example.com'])), ['*.example.com']);
  t.throws(
    () => checkNameLoss(rec('7', 'example.com', 'www.example.com'), cert('example.com', ['example.com']), false),
    {
      code: 'NAME_LOSS',
      message: /does not cover www.example.com, which Beluga certificate id=7 serves now.*--allow-name-loss/,
    },
  );
  t.same(checkNameLoss(rec('7', 'example.com', 'www.example.com'), cert('example.com', ['example.com']), true), [
    'www.example.com',
  ]);
});
