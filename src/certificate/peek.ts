import { X509Certificate } from 'node:crypto';
import { readInputFile } from './read-file.js';

/**
 * The first certificate in a file (the leaf of a bundle), or undefined when there is none to read.
 * No check at all: for commands that only look (status, metrics), never for an upload.
 */
export async function peekCertificate(path: string): Promise<X509Certificate | undefined> {
  try {
    const text = (await readInputFile(path, 'certificate')).toString('utf8');
    const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
    return block ? new X509Certificate(block[0]) : undefined;
  } catch {
    return undefined;
  }
}
