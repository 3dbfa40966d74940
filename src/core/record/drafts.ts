import { GreffierError } from '../errors.js';
import { refuseIfLocked } from '../meetings/locks.js';
import type { OpenVault } from '../meetings/index.js';
import { MinutesSchema, type Minutes } from '../../shared/minutes.js';
import type { MinutesSource } from '../../shared/record.js';
import { MinutesRecord } from './approval.js';
import { audit, type RecordHooks } from './hooks.js';
import { isKept, minutesAt, sameMinutes } from './snapshots.js';

type Open = Pick<OpenVault, 'vault' | 'meetings'>;

/**
 * A draft's text is never lost: each hand edit is an entry of the history
 * (with its text), a regeneration first keeps the text it writes over when
 * the history lacks it, and any earlier text can be put back (walk 4,
 * finding 3). The record itself lives in approval.ts; this is the drafts' part.
 */

/** The clerk saved the draft by hand: an "edited" entry, unless the text is the latest kept. */
export async function noteHandEdit(
  record: MinutesRecord,
  meetingId: string,
  minutes: Minutes,
  by?: string,
): Promise<void> {
  const versions = await record.versions(meetingId);
  const latest = versions
    .at(-1)
    ?.events.filter((e) => e.minutes)
    .at(-1)?.minutes;
  if (latest && sameMinutes(latest, minutes)) return;
  await record.noteDraft(meetingId, {
    action: 'edited',
    minutes,
    ...(by?.trim() ? { by: by.trim() } : {}),
  });
}

/** Before the minutes are written over (a regeneration): keeps their text if the history lacks it. */
export async function keepCurrentMinutes(open: Open, meetingId: string): Promise<void> {
  const parsed = MinutesSchema.safeParse(await open.meetings.getSummary(meetingId));
  if (!parsed.success) return;
  const record = new MinutesRecord(open);
  if (isKept(await record.versions(meetingId), parsed.data)) return;
  await record.noteDraft(meetingId, { action: 'kept', minutes: parsed.data });
}

/** Puts an earlier text back as the draft's; the text it replaces stays in the history. */
export async function restoreMinutes(
  open: Open,
  meetingId: string,
  from: MinutesSource,
  options: { hooks?: RecordHooks; by?: string } = {},
): Promise<Minutes> {
  const record = new MinutesRecord(open, options.hooks);
  const versions = await record.versions(meetingId);
  const current = versions.at(-1)!;
  if (current.status !== 'draft' && current.status !== 'returned') {
    throw new GreffierError(
      'minutes-state',
      `the minutes of meeting ${meetingId} are ${current.status}; only draft or returned minutes can take an earlier text back`,
      { hint: `see where they are with: greffier minutes history ${meetingId}` },
    );
  }
  refuseIfLocked(open.meetings.getMeeting(meetingId));
  const minutes = minutesAt(versions, from);
  const where = `version ${from.version}${from.event === undefined ? '' : `, entry ${from.event + 1}`}`;
  if (!minutes) {
    throw new GreffierError(
      'minutes-version-unknown',
      `the history of meeting ${meetingId} keeps no text at ${where}`,
      { hint: `see the texts it keeps with: greffier minutes history ${meetingId}` },
    );
  }
  const stored = MinutesSchema.safeParse(await open.meetings.getSummary(meetingId));
  if (stored.success && sameMinutes(stored.data, minutes)) {
    throw new GreffierError(
      'minutes-already-current',
      `the minutes of meeting ${meetingId} are already the text of ${where}`,
      { hint: 'choose another entry of the history' },
    );
  }
  await keepCurrentMinutes(open, meetingId);
  await open.meetings.setSummary(meetingId, minutes);
  const version = await record.noteDraft(meetingId, {
    action: 'restored',
    minutes,
    restoredFrom: from,
    ...(options.by?.trim() ? { by: options.by.trim() } : {}),
  });
  await audit(record.hooks, 'minutes.restored', meetingId, {
    version: version ?? current.version,
    fromVersion: from.version,
    ...(from.event === undefined ? {} : { fromEntry: from.event + 1 }),
  });
  return minutes;
}
