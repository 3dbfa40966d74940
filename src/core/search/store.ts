import type { OpenVault } from '../meetings/index.js';
import { MinutesSchema, type Minutes } from '../../shared/minutes.js';
import type { Meeting } from '../../shared/meetings.js';
import type { Language, MeetingSegment } from '../../shared/transcript.js';
import { MEETING_INDEX_FILE } from '../vault/vault.js';
import { redactRecord } from '../redaction/index.js';
import { SearchIndex, type IndexableMeeting } from './index.js';
import { detectLanguage } from '../text/language.js';

/**
 * The search index is kept per meeting: each meeting's passages and vectors
 * are sealed with that meeting's own key in its folder (no backup: it is
 * derived data). Shredding a meeting's key therefore shreds its passages,
 * and no vault-wide file ever holds a deleted meeting's words. In memory the
 * shards form one SearchIndex, brought up to date meeting by meeting: only
 * meetings whose version changed since they were indexed are read again,
 * and only changed shards are written back.
 */

/** The vault-wide index blob of earlier versions: removed on sight (it outlived deletions). */
export const INDEX_BLOB = 'search-index';
const SHARD_SCHEMA_VERSION = 1;

/** What these functions need of an open vault (a job context has the same parts). */
export type VaultParts = Pick<OpenVault, 'vault' | 'meetings'>;

/** Per loaded index, the revision of each meeting that its shard on disk holds. */
const written = new WeakMap<SearchIndex, Map<string, number>>();

function writtenOf(index: SearchIndex): Map<string, number> {
  let marks = written.get(index);
  if (!marks) {
    marks = new Map();
    written.set(index, marks);
  }
  return marks;
}

function hasMeeting(open: VaultParts, meetingId: string): boolean {
  return Object.hasOwn(open.vault.data.meetings, meetingId);
}

export async function loadIndex(open: VaultParts): Promise<SearchIndex> {
  await open.vault.deleteBlob(INDEX_BLOB);
  const index = new SearchIndex();
  const marks = writtenOf(index);
  for (const meeting of open.meetings.list()) {
    let bytes: Buffer | undefined;
    try {
      bytes = await open.vault.readMeetingFile(
        meeting.id,
        MEETING_INDEX_FILE,
        SHARD_SCHEMA_VERSION,
        `search index of meeting ${meeting.id}`,
      );
    } catch {
      // A damaged shard is rebuilt from the transcript by the next sync.
      continue;
    }
    if (!bytes) continue;
    try {
      const id = index.importMeeting(bytes.toString('utf8'));
      if (id === meeting.id) marks.set(id, index.revisionOf(id));
      else index.removeMeeting(id);
    } catch {
      // Same: unreadable means "not indexed yet".
    } finally {
      bytes.fill(0);
    }
  }
  return index;
}

export async function saveIndex(open: VaultParts, index: SearchIndex): Promise<void> {
  const marks = writtenOf(index);
  const present = new Set(index.meetingIds());
  for (const id of present) {
    if (marks.get(id) === index.revisionOf(id) || !hasMeeting(open, id)) continue;
    const bytes = Buffer.from(index.exportMeeting(id)!, 'utf8');
    try {
      await open.vault.writeMeetingFile(id, MEETING_INDEX_FILE, SHARD_SCHEMA_VERSION, bytes, {
        backup: false,
      });
    } finally {
      bytes.fill(0);
    }
    marks.set(id, index.revisionOf(id));
  }
  for (const id of [...marks.keys()]) {
    if (present.has(id)) continue;
    if (hasMeeting(open, id)) await open.vault.removeMeetingFile(id, MEETING_INDEX_FILE);
    marks.delete(id);
  }
}

function meetingLanguage(meeting: Meeting, segments: MeetingSegment[]): Language {
  if (meeting.language === 'fr' || meeting.language === 'en') return meeting.language;
  return detectLanguage(
    segments
      .slice(0, 20)
      .map((s) => s.text)
      .join(' '),
  );
}

/** A vault meeting in the shape the index takes (speaker ids become the clerk's names). */
export async function indexableMeeting(
  open: VaultParts,
  meeting: Meeting,
): Promise<IndexableMeeting> {
  let minutes: Minutes | undefined;
  if (meeting.hasSummary) {
    const parsed = MinutesSchema.safeParse(await open.meetings.getSummary(meeting.id));
    if (parsed.success) minutes = parsed.data;
  }
  // Redacted words never reach the index: search and answers cannot show what the clerk hid.
  const redacted = await redactRecord(open, meeting.id, {
    ...meeting,
    segments: await open.meetings.getSegments(meeting.id),
    ...(minutes ? { minutes } : {}),
  });
  const { segments } = redacted;
  minutes = redacted.minutes;
  const names = new Map(redacted.speakers.map((s) => [s.id, s.name]));
  return {
    id: meeting.id,
    title: redacted.title,
    startedAt: meeting.startedAt,
    language: meetingLanguage(meeting, segments),
    segments: segments.map((s) => {
      const speaker = s.speakerId ? (names.get(s.speakerId) ?? s.speakerId) : undefined;
      return {
        id: s.id,
        startMs: s.startMs,
        endMs: s.endMs,
        text: s.text,
        ...(speaker ? { speaker } : {}),
      };
    }),
    ...(minutes ? { minutes } : {}),
  };
}

export interface SyncReport {
  indexed: string[];
  removed: string[];
}

/**
 * Brings the index up to date with the vault: new or changed meetings are
 * (re)indexed, deleted ones removed. Saves only when something changed.
 */
export async function syncIndex(
  open: VaultParts,
  index: SearchIndex,
  options: { rebuild?: boolean } = {},
): Promise<SyncReport> {
  const meetings = open.meetings.list().filter((m) => m.segmentCount > 0);
  const present = new Set(meetings.map((m) => m.id));
  const report: SyncReport = { indexed: [], removed: [] };
  for (const id of index.meetingIds()) {
    if (!present.has(id) || options.rebuild) {
      index.removeMeeting(id);
      if (!present.has(id)) report.removed.push(id);
    }
  }
  for (const meeting of meetings) {
    if (!options.rebuild && index.stampOf(meeting.id) === meeting.updatedAt) continue;
    index.addMeeting(await indexableMeeting(open, meeting), meeting.updatedAt);
    report.indexed.push(meeting.id);
  }
  if (report.indexed.length > 0 || report.removed.length > 0) await saveIndex(open, index);
  return report;
}

/** The index, loaded from the vault and brought up to date. */
export async function currentIndex(
  open: VaultParts,
  options: { rebuild?: boolean } = {},
): Promise<SearchIndex> {
  const index = options.rebuild ? new SearchIndex() : await loadIndex(open);
  await syncIndex(open, index, options);
  return index;
}

/** Finds stored segments for citation checks, reading each meeting's transcript once. */
export function vaultSegmentLookup(open: VaultParts) {
  const cache = new Map<string, Promise<Map<string, MeetingSegment & { speaker?: string }>>>();
  return async (meetingId: string, segmentId: string) => {
    let segments = cache.get(meetingId);
    if (!segments) {
      segments = (async () => {
        let meeting: Meeting;
        try {
          meeting = open.meetings.getMeeting(meetingId);
        } catch {
          return new Map();
        }
        // The same redacted text the index holds, so citations check against what was shown.
        const redacted = await redactRecord(open, meetingId, {
          ...meeting,
          segments: await open.meetings.getSegments(meetingId),
        });
        const names = new Map(redacted.speakers.map((s) => [s.id, s.name]));
        const list = redacted.segments;
        return new Map(
          list.map((s) => {
            const speaker = s.speakerId ? (names.get(s.speakerId) ?? s.speakerId) : undefined;
            return [s.id, { ...s, ...(speaker ? { speaker } : {}) }];
          }),
        );
      })();
      cache.set(meetingId, segments);
    }
    return (await segments).get(segmentId);
  };
}

/**
 * Turns passages into vectors. The index is handed a function rather than
 * the model host, so search knows nothing of how (or where) a model runs.
 */
export type EmbedFunction = (texts: string[], signal?: AbortSignal) => Promise<number[][]>;

/**
 * Embeds the passages that have no vector yet (new meetings, or a newly
 * installed embedding model) and saves the index when any was added.
 */
export async function embedMissing(
  open: VaultParts,
  index: SearchIndex,
  embed: EmbedFunction,
  signal?: AbortSignal,
): Promise<number> {
  let added = 0;
  for (const meetingId of index.meetingIds()) {
    const passages = index.passagesWithoutVector(meetingId);
    if (passages.length === 0) continue;
    const vectors = await embed(
      passages.map((p) => p.text),
      signal,
    );
    passages.forEach((p, i) => index.setVector(p.id, vectors[i]!));
    added += passages.length;
  }
  if (added > 0) await saveIndex(open, index);
  return added;
}
