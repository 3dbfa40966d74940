import { appendAudit } from '../audit/index.js';
import type { MeetingSegment } from '../../shared/transcript.js';
import { listRedactions, REDACTIONS_BLOB, type RecordParts, type Redaction } from './marks.js';

/** What stands in for hidden words, in the language of the record. */
export function redactionLabel(language: string | undefined): string {
  return language === 'en' ? '[redacted]' : '[caviardé]';
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** The hidden texts, longest first (so "Jeanne Martin" goes before "Martin"). */
function hiddenTexts(marks: Redaction[]): string[] {
  const texts = new Set(
    marks.map((m) => m.text?.trim()).filter((t): t is string => !!t && t.length >= 2),
  );
  return [...texts].sort((a, b) => b.length - a.length);
}

/** Every occurrence of every hidden text replaced (case and accents aside). */
export function scrubText(text: string, hidden: string[], label: string): string {
  if (hidden.length === 0) return text;
  let out = text;
  for (const needle of hidden) {
    const folded = fold(out);
    const target = fold(needle);
    // Folding changed the length (a rare ligature): fall back to exact matching.
    if (folded.length !== out.length) {
      out = out.split(needle).join(label);
      continue;
    }
    let result = '';
    let from = 0;
    for (
      let at = folded.indexOf(target);
      at !== -1;
      at = folded.indexOf(target, at + target.length)
    ) {
      result += out.slice(from, at) + label;
      from = at + target.length;
    }
    out = result + out.slice(from);
  }
  return out;
}

/** Deep copy of plain data with every string scrubbed (minutes, markers). */
export function scrubDeep<T>(value: T, hidden: string[], label: string): T {
  if (typeof value === 'string') return scrubText(value, hidden, label) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubDeep(v, hidden, label)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, scrubDeep(v as unknown, hidden, label)]),
    ) as T;
  }
  return value;
}

/** Segments with their marked spans, then any other copy of a hidden text, replaced by the label. */
export function redactSegments<S extends MeetingSegment>(
  segments: S[],
  marks: Redaction[],
  label: string,
): S[] {
  const hidden = hiddenTexts(marks);
  return segments.map((segment) => {
    const own = marks
      .filter((m) => m.segmentId === segment.id && m.text !== undefined)
      .map((m) => {
        // A segment edited since: the mark follows its words when they are still there.
        if (segment.text.slice(m.start, m.end) === m.text) return m;
        const at = segment.text.indexOf(m.text!);
        return at === -1 ? undefined : { ...m, start: at, end: at + m.text!.length };
      })
      .filter((m): m is Redaction => m !== undefined)
      .sort((a, b) => b.start - a.start);
    let text = segment.text;
    let covered = Infinity;
    for (const mark of own) {
      const end = Math.min(mark.end, covered);
      if (end <= mark.start) continue;
      text = text.slice(0, mark.start) + label + text.slice(end);
      covered = mark.start;
    }
    return { ...segment, text: scrubText(text, hidden, label) };
  });
}

/** The parts of a record that leave the room, with the meeting's redactions applied. */
export interface Redactable {
  title: string;
  language: string;
  speakers: { id: string; name: string; role?: string }[];
  segments: MeetingSegment[];
  minutes?: unknown;
  markers?: { atMs: number; label: string }[];
}

export async function redactRecord<R extends Redactable>(
  open: RecordParts,
  meetingId: string,
  record: R,
): Promise<R> {
  const marks = await listRedactions(open, meetingId);
  if (marks.length === 0) return record;
  const label = redactionLabel(record.language);
  const hidden = hiddenTexts(marks);
  return {
    ...record,
    title: scrubText(record.title, hidden, label),
    speakers: scrubDeep(record.speakers, hidden, label),
    segments: redactSegments(record.segments, marks, label),
    ...(record.minutes === undefined ? {} : { minutes: scrubDeep(record.minutes, hidden, label) }),
    ...(record.markers ? { markers: scrubDeep(record.markers, hidden, label) } : {}),
  };
}

/**
 * Erasing: the clerk decides the hidden words must not stay even in the
 * vault. The transcript, the minutes and the speaker names are rewritten
 * with the label (previous versions not kept as backups), and the marks
 * forget their text. There is no undo.
 */
export async function eraseRedacted(open: RecordParts, meetingId: string): Promise<number> {
  const marks = await listRedactions(open, meetingId);
  const live = marks.filter((m) => m.text !== undefined);
  if (live.length === 0) return 0;
  const meeting = open.meetings.getMeeting(meetingId);
  const label = redactionLabel(meeting.language === 'en' ? 'en' : 'fr');
  const hidden = hiddenTexts(live);
  const segments = redactSegments(await open.meetings.getSegments(meetingId), live, label);
  const speakers = scrubDeep(meeting.speakers, hidden, label);
  await open.meetings.setTranscript(meetingId, segments, { speakers });
  open.vault.data.meetings[meetingId]!.speakers = speakers;
  if (meeting.hasSummary) {
    const minutes = scrubDeep(await open.meetings.getSummary(meetingId), hidden, label);
    const bytes = Buffer.from(JSON.stringify(minutes ?? null));
    await open.vault.writeMeetingFile(meetingId, 'summary', 1, bytes, { forgetPrevious: true });
  }
  // Notes written live hold the same words; they are derived and go.
  for (const blob of await open.vault.listMeetingBlobs(meetingId)) {
    if (blob !== REDACTIONS_BLOB) await open.vault.deleteMeetingBlob(meetingId, blob);
  }
  const erased = marks.map(({ text: _text, ...m }) => m);
  const bytes = Buffer.from(JSON.stringify({ version: 1, marks: erased }));
  await open.vault.writeMeetingFile(meetingId, `blob-${REDACTIONS_BLOB}`, 1, bytes, {
    forgetPrevious: true,
  });
  await open.vault.save();
  await appendAudit(open.vault, {
    action: 'redaction.erased',
    meetingId,
    details: { marks: live.map((m) => m.id) },
  });
  return live.length;
}
