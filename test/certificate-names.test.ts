import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { certificateNames, commonName, formatName, nameCovers } from '../src/certificate/names.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const cert = (name: string) => new X509Certificate(readFileSync(fixture(name)));

t.test('nameCovers: exact names, case-insensitive, trailing dot ignored', async (t) => {
  t.equal(nameCovers('example.com', 'example.com'), true);
  t.equal(nameCovers('Example.COM', 'example.com'), true);
  t.equal(nameCovers('example.com', 'WWW.example.com'), false);
  t.equal(nameCovers('www.example.com', 'www.example.com.'), true);
  t.equal(nameCovers('example.com', 'example.org'), false);
  t.equal(nameCovers('', ''), false);
});

t.test('nameCovers: a wildcard covers exactly one more label', async (t) => {
  t.equal(nameCovers('*.example.com', 'a.example.com'), true);
  t.equal(nameCovers('*.Example.com', 'A.EXAMPLE.com'), true);
  t.equal(nameCovers('*.example.com', 'a.b.example.com'), false);
  t.equal(nameCovers('*.example.com', 'example.com'), false);
  t.equal(nameCovers('*.example.com', '.example.com'), false);
  t.equal(nameCovers('*.example.com', 'aexample.com'), false);
  t.equal(nameCovers('*.example.com', '*.example.com'), true, 'the wildcard itself, as acme.sh names folders');
  t.equal(nameCovers('*.example.com', '*.a.example.com'), false);
  t.equal(nameCovers('a.example.com', '*.example.com'), false, 'a plain name never covers a wildcard');
  t.equal(nameCovers('a*.example.com', 'ab.example.com'), false, 'partial-label wildcards are not honoured');
});

t.test('certificateNames: SAN DNS names in order, CN when there is no SAN', async (t) => {
  t.same(certificateNames(cert('wildcard.crt')), ['*.example.com', 'example.com']);
  t.same(certificateNames(cert('multi.crt')), ['shop.example.org', 'example.org']);
  t.same(certificateNames(cert('cn-only.crt')), ['legacy.example.com']);
  t.same(certificateNames(cert('root.crt')), ['Beluga Test Root CA'], 'a CA has only its CN');
});

t.test("commonName and formatName read node's multi-line DN", async (t) => {
  t.equal(commonName(cert('cn-only.crt')), 'legacy.example.com');
  t.equal(formatName(cert('unrelated.crt').subject), 'O=Elsewhere Test, CN=Unrelated Test CA');
  t.equal(formatName('CN="a, b"\nO=x'), 'CN=a, b, O=x', 'quoted values are unquoted');
  t.equal(formatName('CN="broken'), 'CN="broken');
});
