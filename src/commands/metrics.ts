import { basename, dirname, resolve } from 'node:path';
import { certificateNames, normalise } from '../certificate/names.js';
import { peekCertificate } from '../certificate/peek.js';
import { EXIT, HookError } from '../errors.js';
import { writeFileAtomic } from '../journal/atomic-write.js';
import type { JournalEntry } from '../journal/index.js';
import { reportStoreProblems, reportUnusableStores, scanStores } from '../stores/index.js';
import type { StoreSpec } from '../stores/types.js';
import type { RunContext } from './context.js';
import { runServices } from './services.js';

export interface MetricsArgs {
  stores: StoreSpec[];
  /** Write here atomically (node_exporter's textfile collector) instead of printing. */
  out?: string;
}

/** Every family this command writes, with its HELP line (all are gauges). */
const HELP = {
  beluga_cert_not_after_timestamp_seconds: 'When the local certificate expires, as a Unix time.',
  beluga_cert_deployed:
    "1 when the journal's newest deployed certificate for the name is the store's certificate, else 0.",
  beluga_cert_pending: '1 when a certificate for the name waits for beluga-cert retry, else 0.',
  beluga_cert_last_success_timestamp_seconds: 'When a deploy for the name last succeeded, as a Unix time.',
  beluga_cert_edge_serves_deployed:
    '1 when the last edge check saw the deployed certificate served for every name, 0 while it is pending.',
};

interface Family {
  name: keyof typeof HELP;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

function family(name: keyof typeof HELP): Family {
  return { name, samples: [] };
}

/**
 * `beluga-cert metrics [STORES...] [--out FILE]`: the Prometheus text format, from the stores and
 * the journal alone (no request: it runs every minute beside node_exporter). Per local certificate
 * its expiry and whether the journal's newest deployed certificate for its name is that one; per
 * name whether a certificate waits for a retry, when the last deploy succeeded, and whether the
 * last edge check saw the deployed certificate served.
 */
export async function metricsCommand(args: MetricsArgs, ctx: RunContext): Promise<number> {
  // stdout carries the metrics: every other line goes to stderr.
  const run = runServices(ctx, { dataOnStdout: true });
  const { out } = run;
  try {
    await run.settings();
    const journal = await run.journal({ readOnly: true });
    // Domain and pinned-id entries: `record:` entries repeat what one of them deployed.
    const entries = (await journal.list()).filter((e) => !e.key.startsWith('record:'));
    const scan = await scanStores(args.stores);
    reportStoreProblems(scan, out);

    const notAfter = family('beluga_cert_not_after_timestamp_seconds');
    const deployed = family('beluga_cert_deployed');
    const pending = family('beluga_cert_pending');
    const lastSuccess = family('beluga_cert_last_success_timestamp_seconds');
    const edge = family('beluga_cert_edge_serves_deployed');

    // Per name, the newest local certificate (two stores may hold the same name).
    const local = new Map<string, { fingerprint256: string; notBefore: number }>();
    const firstInStore = new Map<string, { sample: Family['samples'][number]; label: string }>();
    for (const cert of scan.certificates) {
      const leaf = await peekCertificate(cert.cert);
      if (!leaf) {
        out.info(`skipped ${cert.label}: ${cert.cert} holds no readable certificate`);
        continue;
      }
      const name = normalise(cert.domain ?? certificateNames(leaf)[0] ?? '');
      // Two certificates for one name in one store (acme.sh's RSA and ECC folders): told apart by label.
      const store = `${cert.store.kind}:${cert.store.path}`;
      const sample: Family['samples'][number] = { labels: { name, store }, value: seconds(leaf.validTo) };
      const first = firstInStore.get(`${name}\0${store}`);
      if (first === undefined) firstInStore.set(`${name}\0${store}`, { sample, label: cert.label });
      else {
        first.sample.labels = { ...first.sample.labels, certificate: first.label };
        sample.labels = { ...sample.labels, certificate: cert.label };
      }
      notAfter.samples.push(sample);
      const seen = local.get(name);
      if (!seen || Date.parse(leaf.validFrom) > seen.notBefore)
        local.set(name, { fingerprint256: leaf.fingerprint256, notBefore: Date.parse(leaf.validFrom) });
    }

    const names = [...new Set([...local.keys(), ...entries.map((e) => normalise(e.domain))])].sort();
    for (const name of names) {
      const mine = entries.filter((e) => normalise(e.domain) === name);
      const newest = newestDeployed(mine);
      const store = local.get(name);
      if (store)
        deployed.samples.push({
          labels: { name, record: newest?.deployed?.recordId ?? '' },
          value: newest?.deployed?.fingerprint256 === store.fingerprint256 ? 1 : 0,
        });
      pending.samples.push({ labels: { name }, value: mine.some((e) => e.pending) ? 1 : 0 });
      if (newest?.deployed) lastSuccess.samples.push({ labels: { name }, value: seconds(newest.deployed.at) });
      const check = newest?.edge;
      if (check && check.fingerprint256 === newest.deployed?.fingerprint256)
        edge.samples.push({ labels: { name }, value: check.state === 'served' ? 1 : 0 });
    }

    const text = [notAfter, deployed, pending, lastSuccess, edge].map(writeFamily).join('');
    if (args.out) {
      const path = resolve(args.out);
      try {
        // Readable by node_exporter's own user: nothing here is a secret.
        await writeFileAtomic(dirname(path), basename(path), text, 0o644);
      } catch (err) {
        throw new HookError(
          'FILE_UNREADABLE',
          `cannot write --out ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); name a file in a folder this user may write`,
        );
      }
      out.info(`metrics: ${names.length} name(s) written to ${path}`);
    } else {
      ctx.stdout.write(text);
    }
    return reportUnusableStores(scan, out, EXIT.OK);
  } catch (err) {
    return run.fail(err);
  }
}

function newestDeployed(entries: JournalEntry[]): JournalEntry | undefined {
  let newest: JournalEntry | undefined;
  for (const e of entries) {
    if (e.deployed && (!newest?.deployed || Date.parse(e.deployed.at) > Date.parse(newest.deployed.at))) newest = e;
  }
  return newest;
}

function seconds(date: string): number {
  return Math.floor(Date.parse(date) / 1000);
}

/** Writes one family: HELP and TYPE lines, then a line per sample, label values escaped as the format requires. */
function writeFamily({ name, samples }: Family): string {
  const lines = [`# HELP ${name} ${HELP[name]}`, `# TYPE ${name} gauge`];
  for (const { labels, value } of samples) {
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
      .join(',');
    lines.push(`${name}{${text}} ${value}`);
  }
  return `${lines.join('\n')}\n`;
}
