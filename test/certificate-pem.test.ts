import t from 'tap';
import { derToPem, looksLikeDer, pemBlocks, toText } from '../src/certificate/pem.js';

t.test('toText drops a UTF-8 BOM and turns CRLF and CR into LF', async (t) => {
  t.equal(toText(Buffer.from('\ufeffa\r\nb\rc\n', 'utf8')), 'a\nb\nc\n');
  t.equal(toText(Buffer.from('plain\n')), 'plain\n');
});

t.test('pemBlocks finds every block, ignores text around, reads headers', async (t) => {
  const text = [
    'Certificate:',
    '    Data: something',
    '-----BEGIN CERTIFICATE-----',
    'QUJD',
    'REVG  ',
    '-----END CERTIFICATE-----',
    'between',
    '-----BEGIN RSA PRIVATE KEY-----',
    'Proc-Type: 4,ENCRYPTED',
    'DEK-Info: AES-128-CBC,00',
    '',
    'R0hJ',
    '-----END RSA PRIVATE KEY-----',
    'after',
  ].join('\n');
  const blocks = pemBlocks(text);
  t.equal(blocks.length, 2);
  t.equal(blocks[0].label, 'CERTIFICATE');
  t.equal(blocks[0].base64, 'QUJDREVG');
  t.same(blocks[0].headers, {});
  t.equal(blocks[0].text, '-----BEGIN CERTIFICATE-----\nQUJD\nREVG  \n-----END CERTIFICATE-----\n');
  t.equal(blocks[1].label, 'RSA PRIVATE KEY');
  t.same(blocks[1].headers, { 'Proc-Type': '4,ENCRYPTED', 'DEK-Info': 'AES-128-CBC,00' });
  t.equal(blocks[1].base64, 'R0hJ');
});

t.test('pemBlocks needs a matching END line', async (t) => {
  t.same(pemBlocks('-----BEGIN CERTIFICATE-----\nQUJD\n-----END PRIVATE KEY-----\n'), []);
  t.same(pemBlocks('no pem here'), []);
});

t.test('looksLikeDer: an ASN.1 SEQUENCE first byte and no PEM marker', async (t) => {
  t.equal(looksLikeDer(Buffer.from([0x30, 0x82, 0x01])), true);
  t.equal(looksLikeDer(Buffer.from([0xa5, 0x30])), false);
  t.equal(looksLikeDer(Buffer.from('0-----BEGIN CERTIFICATE-----')), false, '"0" is 0x30 but this is PEM');
  t.equal(looksLikeDer(Buffer.from([0x30])), false);
});

t.test('derToPem wraps base64 at 64 columns with a trailing newline', async (t) => {
  const pem = derToPem('CERTIFICATE', Buffer.alloc(60, 7));
  const lines = pem.split('\n');
  t.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  t.equal(lines[1].length, 64);
  t.equal(lines[2].length, 80 - 64);
  t.equal(lines[3], '-----END CERTIFICATE-----');
  t.equal(lines[4], '');
  t.equal(lines.length, 5);
});
