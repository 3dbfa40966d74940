import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { appendAudit } from '../audit/index.js';
import { GreffierError } from '../errors.js';
import type { OpenVault } from '../meetings/index.js';
import { MEETING_INDEX_FILE } from '../vault/vault.js';
import { findNames, findPatterns, type Found } from './patterns.js';

/**
 * A redaction: a span of one segment's text that never leaves the vault.
 * The marks are a blob of the meeting (sealed with its key, shredded with
 * it); `text` is what was hidden, so every copy of it (in the minutes, a
 * speaker's name) can be hidden too. Erasing drops it for good.
 */
/** What redaction needs of an open vault (a job context has the same parts). */
export type RecordParts = Pick<OpenVault, 'vault' | 'meetings'>;

export const RedactionSchema = z.object({
  id: z.string(),
  segmentId: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().positive(),
  /** undefined once erased: the transcript then holds the label instead. */
  text: z.string().optional(),
  kind: z.enum(['name', 'email', 'phone', 'iban', 'nir', 'siret', 'manual']),
  at: z.string(),
});
export type Redaction = z.infer<typeof RedactionSchema>;

const StoreSchema = z.object({ version: z.literal(1), marks: z.array(RedactionSchema) });
const BLOB = 'redactions';

export interface Suggestion extends Found {
  segmentId: string;
}

export async function listRedactions(open: RecordParts, meetingId: string): Promise<Redaction[]> {
  open.meetings.getMeeting(meetingId);
  const bytes = await open.vault.readMeetingBlob(meetingId, BLOB);
  if (!bytes) return [];
  return StoreSchema.parse(JSON.parse(bytes.toString('utf8'))).marks;
}

/**
 * The marks changed: the index shard (which holds the words) goes and the
 * meeting's stamp moves, so search and answers rebuild from redacted text.
 */
async function saveMarks(open: RecordParts, meetingId: string, marks: Redaction[]): Promise<void> {
  const bytes = Buffer.from(JSON.stringify({ version: 1, marks }));
  await open.vault.writeMeetingFile(meetingId, `blob-${BLOB}`, 1, bytes, { forgetPrevious: true });
  await open.vault.removeMeetingFile(meetingId, MEETING_INDEX_FILE);
  const record = open.vault.data.meetings[meetingId]!;
  record.updatedAt = new Date().toISOString();
  await open.vault.save();
}

/** Names of the roster and patterns found in the transcript, not yet redacted. */
export async function suggestRedactions(
  open: RecordParts,
  meetingId: string,
): Promise<Suggestion[]> {
  const meeting = open.meetings.getMeeting(meetingId);
  const names = meeting.speakers.map((s) => s.name).filter((n) => !/^(S|SPEAKER_?)\d+$/i.test(n));
  const marks = await listRedactions(open, meetingId);
  const suggestions: Suggestion[] = [];
  for (const segment of await open.meetings.getSegments(meetingId)) {
    const taken = marks.filter((m) => m.segmentId === segment.id);
    // Longest first: a name inside an e-mail address is covered by the address.
    const found = [...findPatterns(segment.text), ...findNames(segment.text, names)].sort(
      (a, b) => b.end - b.start - (a.end - a.start),
    );
    const kept: Found[] = [];
    for (const f of found) {
      if ([...taken, ...kept].some((m) => f.start < m.end && f.end > m.start)) continue;
      kept.push(f);
    }
    kept.sort((a, b) => a.start - b.start);
    suggestions.push(...kept.map((f) => ({ ...f, segmentId: segment.id })));
  }
  return suggestions;
}

export interface SpanInput {
  segmentId: string;
  start: number;
  end: number;
  kind?: Redaction['kind'];
}

export async function addRedactions(
  open: RecordParts,
  meetingId: string,
  spans: SpanInput[],
): Promise<Redaction[]> {
  const segments = new Map((await open.meetings.getSegments(meetingId)).map((s) => [s.id, s]));
  const marks = await listRedactions(open, meetingId);
  const added: Redaction[] = [];
  for (const span of spans) {
    const segment = segments.get(span.segmentId);
    if (!segment) {
      throw new GreffierError(
        'no-segment',
        `meeting ${meetingId} has no segment "${span.segmentId}"`,
        {
          hint: 'use the segment ids shown by "greffier show <id> --json"',
        },
      );
    }
    if (!(span.start >= 0 && span.end > span.start && span.end <= segment.text.length)) {
      throw new GreffierError(
        'bad-redaction',
        `characters ${span.start} to ${span.end} are not inside segment ${span.segmentId} (${segment.text.length} characters)`,
        { hint: 'select the words to hide inside one line of the transcript' },
      );
    }
    const mark: Redaction = {
      id: `r${randomBytes(5).toString('hex')}`,
      segmentId: span.segmentId,
      start: span.start,
      end: span.end,
      text: segment.text.slice(span.start, span.end),
      kind: span.kind ?? 'manual',
      at: new Date().toISOString(),
    };
    marks.push(mark);
    added.push(mark);
  }
  await saveMarks(open, meetingId, marks);
  await appendAudit(open.vault, {
    action: 'redaction.applied',
    meetingId,
    details: { marks: added.map((m) => m.id), kinds: added.map((m) => m.kind) },
  });
  return added;
}

export async function removeRedaction(
  open: RecordParts,
  meetingId: string,
  id: string,
): Promise<void> {
  const marks = await listRedactions(open, meetingId);
  const mark = marks.find((m) => m.id === id);
  if (!mark) {
    throw new GreffierError('no-redaction', `meeting ${meetingId} has no redaction "${id}"`, {
      hint: 'list them with "greffier redact list <id>"',
    });
  }
  if (mark.text === undefined) {
    throw new GreffierError('redaction-erased', `redaction ${id} was erased: its text is gone`, {
      hint: 'an erased redaction cannot be undone',
    });
  }
  await saveMarks(
    open,
    meetingId,
    marks.filter((m) => m !== mark),
  );
  await appendAudit(open.vault, { action: 'redaction.removed', meetingId, details: { mark: id } });
}

export { BLOB as REDACTIONS_BLOB };
