import { GreffierError } from '../errors.js';
import type { Meeting } from '../../shared/meetings.js';

/**
 * Submitted or approved minutes are the official record: neither they nor the
 * transcript they cite change until they are returned, or corrected as a new
 * version (src/core/record/approval.ts).
 */
export function refuseIfLocked(record: Pick<Meeting, 'id' | 'minutesStatus'>): void {
  const status = record.minutesStatus;
  if (status !== 'submitted' && status !== 'approved') return;
  throw new GreffierError(
    'minutes-locked',
    `the minutes of meeting ${record.id} are ${status}: they and their transcript are read-only`,
    {
      hint:
        status === 'approved'
          ? `make a correction (a new version with its reason): greffier minutes correct ${record.id} --reason "…"`
          : `the approver may return them with a comment: greffier minutes return ${record.id} --comment "…"`,
    },
  );
}
