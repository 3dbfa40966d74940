import { appendAudit } from '../audit/index.js';
import { GreffierError } from '../errors.js';
import type { OpenVault } from '../meetings/index.js';
import {
  effectiveRule,
  meetingRetention,
  parseRule,
  readRetention,
  writeRetention,
  type RetentionPart,
  type RetentionRule,
  type RetentionSource,
} from './policy.js';

/** A meeting's retention as the meeting page and "retention show <id>" state it. */
export interface RetentionView {
  meetingId: string;
  rule?: RetentionRule;
  from: 'meeting' | 'template' | 'none';
  hold: boolean;
  holdSince?: string;
  removed: Partial<Record<RetentionPart, string>>;
}

export async function retentionOf(
  open: OpenVault,
  meetingId: string,
  source: RetentionSource = {},
): Promise<RetentionView> {
  const meeting = open.meetings.getMeeting(meetingId);
  const own = meetingRetention(await readRetention(open.vault), meetingId);
  const { rule, from } = effectiveRule(own, meeting, source);
  return {
    meetingId,
    ...(rule ? { rule } : {}),
    from,
    hold: Boolean(own.hold),
    ...(own.hold ? { holdSince: own.hold.since } : {}),
    removed: own.removed ?? {},
  };
}

/** The meeting's own rule (null: back to its template's). */
export async function setMeetingRule(
  open: OpenVault,
  meetingId: string,
  input: unknown,
): Promise<void> {
  open.meetings.getMeeting(meetingId);
  const rule = input === null ? undefined : parseRule(input);
  const store = await readRetention(open.vault);
  const own = (store.meetings[meetingId] ??= {});
  if (rule) own.rule = rule;
  else delete own.rule;
  await writeRetention(open.vault, store);
  await appendAudit(open.vault, {
    action: 'retention.changed',
    meetingId,
    details: rule ? Object.fromEntries(Object.entries(rule)) : { rule: null },
  });
}

/** A legal hold suspends every retention deletion of the meeting until it is lifted. */
export async function setLegalHold(
  open: OpenVault,
  meetingId: string,
  on: boolean,
  note?: string,
): Promise<void> {
  open.meetings.getMeeting(meetingId);
  const store = await readRetention(open.vault);
  const own = (store.meetings[meetingId] ??= {});
  if (on) own.hold = { since: new Date().toISOString(), ...(note ? { note } : {}) };
  else delete own.hold;
  await writeRetention(open.vault, store);
  await appendAudit(open.vault, {
    action: 'retention.hold',
    meetingId,
    details: { on, ...(note ? { note } : {}) },
  });
}

/**
 * Deletes a meeting for the clerk (both doors), unless it is under legal
 * hold: a hold suspends every deletion, not only retention's.
 */
export async function deleteMeeting(open: OpenVault, meetingId: string): Promise<void> {
  open.meetings.getMeeting(meetingId);
  const own = meetingRetention(await readRetention(open.vault), meetingId);
  if (own.hold) {
    throw new GreffierError(
      'legal-hold',
      `meeting ${meetingId} is under legal hold since ${own.hold.since}: it cannot be deleted`,
      {
        hint: 'lift the legal hold first (greffier retention hold <id> --off), if the law allows it',
      },
    );
  }
  await open.meetings.delete(meetingId);
}
