/**
 * Ids in Beluga's list must name one record each, exactly: an update goes back to the id as read.
 * JSON.parse turns a number past 2^53 into its nearest double (9007199254740993 reads as
 * ...992), so such a number could send the key to another record: it is refused, as is a list
 * where one id stands for two records. String ids are kept as sent, whatever their size.
 */
import { HookError } from '../errors.js';
import type { BelugaRecord } from './types.js';

export function checkRecordIds(records: BelugaRecord[]): void {
  const seen = new Map<string, number>();
  records.forEach((record, entry) => {
    if (typeof record.id === 'number' && !Number.isSafeInteger(record.id)) {
      throw new HookError(
        'REMOTE_UNAVAILABLE',
        `beluga: list certificates: entry ${entry} (${namesOf(record)}) has a numeric id that cannot be read exactly (not an integer up to 2^53-1, read as ${record.id}); nothing is updated, as the id sent back could name another certificate`,
      );
    }
    const id = String(record.id);
    const first = seen.get(id);
    if (first !== undefined) {
      throw new HookError(
        'REMOTE_UNAVAILABLE',
        `beluga: list certificates: id ${id} is given to two certificates (entries ${first} and ${entry}); nothing is updated while the list is ambiguous`,
      );
    }
    seen.set(id, entry);
  });
}

function namesOf(record: BelugaRecord): string {
  return record.names.slice(0, 3).join(', ') + (record.names.length > 3 ? ', …' : '') || 'no names';
}
