/**
 * The record most CLI tests start the sandbox with (site example-com, id 1001, holding the RSA
 * fixture for example.com), and the files of the newer EC certificate a deploy replaces it with.
 */
import type { SeedRecord } from './sandbox.js';
import { fixture, fixtureText } from './run-cli.js';

export const EXAMPLE_RECORD: SeedRecord = {
  id: '1001',
  site: 'example-com',
  certificate: fixtureText('rsa2048.crt'),
  key: fixtureText('rsa2048.pkcs1.key'),
};

export const EC256_FILES = ['--cert', fixture('ec256.bundle.crt'), '--key', fixture('ec256.sec1.key')];
