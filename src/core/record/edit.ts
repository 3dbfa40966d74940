import { GreffierError } from '../errors.js';
import { refuseIfLocked } from '../meetings/locks.js';
import type { OpenVault } from '../meetings/index.js';
import { MinutesSchema, type Minutes } from '../../shared/minutes.js';
import { audit, recordHooks, type RecordHooks } from './hooks.js';
import { MinutesRecord, minutesHash } from './approval.js';
import { noteHandEdit } from './drafts.js';

type Open = Pick<OpenVault, 'vault' | 'meetings'>;

/**
 * The clerk rewrites the draft (or returned) minutes by hand: the one path the
 * app's editor and `greffier minutes edit` share. Submitted or approved
 * minutes stay read-only (a correction opens a new version first).
 */
export async function editMinutes(
  open: Open,
  meetingId: string,
  value: unknown,
  options: { hooks?: RecordHooks; by?: string } = {},
): Promise<Minutes> {
  refuseIfLocked(open.meetings.getMeeting(meetingId));
  refuseEmptyText(value);
  const parsed = MinutesSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GreffierError(
      'minutes-invalid',
      `the edited minutes are not valid: ${issue?.path.join('.') || 'file'}: ${issue?.message}`,
      { hint: `start from: greffier show ${meetingId} --json (its "summary")`, exitCode: 2 },
    );
  }
  if (parsed.data.meetingId !== meetingId) {
    throw new GreffierError(
      'minutes-invalid',
      `the edited minutes are those of meeting ${parsed.data.meetingId}, not ${meetingId}`,
      { hint: 'edit the minutes of this meeting', exitCode: 2 },
    );
  }
  // A citation must point at a segment that still exists (segments can be merged or redacted).
  const known = new Set((await open.meetings.getSegments(meetingId)).map((s) => s.id));
  const keep = (ids: string[]) => ids.filter((id) => known.has(id));
  const m = parsed.data;
  const minutes: Minutes = {
    ...m,
    title: m.title.trim(),
    overview: m.overview.trim(),
    decisions: m.decisions.map((d) => ({
      ...d,
      text: d.text.trim(),
      segmentIds: keep(d.segmentIds),
    })),
    actionItems: m.actionItems.map(({ due, ...a }) => ({
      ...a,
      owner: a.owner.trim(),
      task: a.task.trim(),
      // An emptied due date is no due date.
      ...(due?.trim() ? { due: due.trim() } : {}),
      segmentIds: keep(a.segmentIds),
    })),
    openQuestions: m.openQuestions.map((q) => q.trim()),
    interventions: m.interventions.map((i) => ({
      ...i,
      speaker: i.speaker.trim(),
      summary: i.summary.trim(),
    })),
  };
  await open.meetings.setSummary(meetingId, minutes);
  const hooks = options.hooks ?? recordHooks(open.vault);
  // The history keeps the text as saved, so it can be restored after a regeneration.
  await noteHandEdit(new MinutesRecord(open, hooks), meetingId, minutes, options.by);
  await audit(hooks, 'minutes.edited', meetingId, {
    minutesSha256: minutesHash(minutes),
    decisions: minutes.decisions.length,
    actionItems: minutes.actionItems.length,
    openQuestions: minutes.openQuestions.length,
  });
  return minutes;
}

const blank = (text: unknown) => typeof text !== 'string' || text.trim() === '';

/** An empty field is said by name, before the schema's generic message. */
function refuseEmptyText(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const m = value as Record<string, unknown>;
  if ('title' in m && blank(m.title)) throw emptyField('minutes-title-empty', 'the title');
  if ('overview' in m && blank(m.overview)) {
    throw emptyField('minutes-overview-empty', 'the overview');
  }
  const items = (key: string) => (Array.isArray(m[key]) ? (m[key] as unknown[]) : []);
  items('decisions').forEach((d, i) => {
    if (blank((d as { text?: unknown } | null)?.text)) {
      throw emptyField('minutes-decision-empty', `decision ${i + 1}`);
    }
  });
  items('actionItems').forEach((a, i) => {
    if (blank((a as { task?: unknown } | null)?.task)) {
      throw emptyField('minutes-action-empty', `the task of action item ${i + 1}`);
    }
  });
  items('openQuestions').forEach((q, i) => {
    if (blank(q)) throw emptyField('minutes-question-empty', `open question ${i + 1}`);
  });
  items('interventions').forEach((item, i) => {
    const { speaker, summary } = (item ?? {}) as { speaker?: unknown; summary?: unknown };
    if (blank(speaker) || blank(summary)) {
      throw emptyField('minutes-intervention-empty', `intervention ${i + 1} (speaker and summary)`);
    }
  });
}

function emptyField(code: string, field: string): GreffierError {
  return new GreffierError(code, `${field} is empty`, {
    hint: `write its text, or remove the item`,
    exitCode: 2,
  });
}
