import type { CheckedCertificate } from '../certificate/types.js';
import type { BelugaConfig } from '../config/build-config.js';
import type { HttpClient } from '../http.js';
import type { Applied, Plan, Target } from '../targets/types.js';
import { createBelugaClient, type BelugaClient } from './client.js';
import { addToIndex, checkNameLoss, indexRecords, resolveRecord, type RecordIndex } from './resolve-record.js';

/**
 * Beluga as a deploy target: plan = resolve + name-loss check; apply = PUT or POST. The record
 * list is fetched once per target and indexed, so one target serves a whole sync run with a
 * single list call; a record it creates joins the index.
 */
export function createBelugaTarget(config: BelugaConfig, deps: { http: HttpClient; now: () => Date }): Target {
  const client: BelugaClient = createBelugaClient(config, deps);
  let listing: Promise<RecordIndex> | undefined;
  const records = () => {
    if (!listing) {
      listing = client.list().then(indexRecords);
      // A failed list is not kept: the next certificate may try again.
      listing.catch(() => {
        listing = undefined;
      });
    }
    return listing;
  };
  return {
    name: 'beluga',
    async plan(cert, { allowNameLoss }) {
      const resolution = resolveRecord(await records(), cert, { certId: config.certId, site: config.site });
      if (resolution.action === 'create') {
        return { action: 'create', site: resolution.site, how: resolution.how, lostNames: [], sendChain: true };
      }
      const { record } = resolution;
      const lostNames = checkNameLoss(record, cert, allowNameLoss || config.allowNameLoss);
      return {
        action: 'update',
        recordId: record.id,
        recordNames: record.names,
        how: resolution.how,
        lostNames,
        sendChain: config.sendChain,
      };
    },
    async apply(cert: CheckedCertificate, plan: Plan): Promise<Applied> {
      if (plan.action === 'create') {
        const body = {
          certificate: cert.certificatePem,
          key: cert.keyPem,
          chain: cert.chainPem,
          site: plan.site ?? '',
        };
        const created = await client.create(body);
        if (listing) addToIndex(await listing, created);
        return { id: String(created.id), action: 'create' };
      }
      // The id goes back exactly as the server sent it (a string or a number).
      const id = plan.recordId ?? '';
      // An empty chain is left out rather than sent, so it cannot wipe the chain the CDN holds.
      const chain = plan.sendChain && cert.chainPem ? { chain: cert.chainPem } : {};
      await client.update(id, { certificate: cert.certificatePem, key: cert.keyPem, ...chain });
      return { id: String(id), action: 'update' };
    },
  };
}
