import { GreffierError } from '../errors.js';
import type { Meeting, Speaker } from '../../shared/meetings.js';
import {
  MeetingSegmentSchema,
  type MeetingSegment,
  type TranscriptSegment,
} from '../../shared/transcript.js';
import { appendAudit, sha256Hex } from '../audit/index.js';
import { refuseIfLocked } from './locks.js';
import { publicMeeting, type MeetingRecord } from '../vault/catalogue.js';
import { MEETING_INDEX_FILE, type Vault } from '../vault/vault.js';

const TRANSCRIPT_SCHEMA_VERSION = 1;
const SUMMARY_SCHEMA_VERSION = 1;

function noMeeting(id: string): GreffierError {
  return new GreffierError('no-meeting', `there is no meeting "${id}" in this vault`, {
    hint: 'run "greffier list" to see the meetings and their ids',
  });
}

interface StoredTranscript {
  schemaVersion: 1;
  segments: MeetingSegment[];
}

/**
 * What was said and decided in a meeting: its transcript and its minutes,
 * each a sealed file of its own beside the catalogue record, and the clerk's
 * corrections of the transcript. Meetings (meetings.ts) extends this with the
 * meeting's life: recording, import, status, speakers, deletion.
 */
export class MeetingTexts {
  constructor(readonly vault: Vault) {}

  /** The meeting's catalogue record (own keys only); a clear error when there is none. */
  protected record(id: string): MeetingRecord {
    const meetings = this.vault.data.meetings;
    // Own keys only: "__proto__" or "constructor" are not meetings.
    const record = Object.hasOwn(meetings, id) ? meetings[id] : undefined;
    if (!record) throw noMeeting(id);
    return record;
  }

  async getSegments(meetingId: string): Promise<MeetingSegment[]> {
    this.record(meetingId);
    const bytes = await this.vault.readMeetingFile(
      meetingId,
      'transcript',
      TRANSCRIPT_SCHEMA_VERSION,
      `transcript of meeting ${meetingId}`,
    );
    if (!bytes) return [];
    const stored = JSON.parse(bytes.toString('utf8')) as StoredTranscript;
    bytes.fill(0);
    return stored.segments;
  }

  /**
   * Replaces the transcript. Segments without an id get one (s0001…);
   * speakers named by label are added to the meeting's roster.
   */
  async setTranscript(
    meetingId: string,
    segments: (TranscriptSegment & { id?: string; speakerId?: string; edited?: boolean })[],
    options: { speakers?: Speaker[] } = {},
  ): Promise<Meeting> {
    const record = this.record(meetingId);
    refuseIfLocked(record);
    const seen = new Set<string>();
    const withIds = segments.map((segment, i) => {
      const id = segment.id ?? `s${String(i + 1).padStart(4, '0')}`;
      if (seen.has(id)) {
        throw new GreffierError(
          'bad-transcript',
          `segment id "${id}" appears twice in the transcript`,
          {
            hint: 'give every segment a distinct id, or none so the vault numbers them',
          },
        );
      }
      seen.add(id);
      return MeetingSegmentSchema.parse({ ...segment, id });
    });
    const speakers = new Map(record.speakers.map((s) => [s.id, s]));
    for (const s of options.speakers ?? []) speakers.set(s.id, s);
    for (const segment of withIds) {
      if (segment.speakerId && !speakers.has(segment.speakerId)) {
        speakers.set(segment.speakerId, { id: segment.speakerId, name: segment.speakerId });
      }
    }
    await this.writeTranscript(meetingId, withIds);
    record.speakers = [...speakers.values()];
    record.segmentCount = withIds.length;
    record.updatedAt = new Date().toISOString();
    await this.vault.save();
    return publicMeeting(record);
  }

  /**
   * A corrected transcript replaces the old one for good: the previous
   * version does not stay in the backup (a redacted name would), and the
   * meeting's part of the search index, which holds the old words, goes
   * until the next index sync rebuilds it.
   */
  protected async writeTranscript(meetingId: string, segments: MeetingSegment[]): Promise<void> {
    const stored: StoredTranscript = { schemaVersion: 1, segments };
    const bytes = Buffer.from(JSON.stringify(stored));
    try {
      await this.vault.writeMeetingFile(meetingId, 'transcript', TRANSCRIPT_SCHEMA_VERSION, bytes, {
        forgetPrevious: true,
      });
    } finally {
      bytes.fill(0);
    }
    await this.vault.removeMeetingFile(meetingId, MEETING_INDEX_FILE);
  }

  /** A clerk's correction of one segment (text and/or speaker). */
  async editSegment(
    meetingId: string,
    segmentId: string,
    change: { text?: string; speakerId?: string | null },
  ): Promise<MeetingSegment> {
    const record = this.record(meetingId);
    refuseIfLocked(record);
    const segments = await this.getSegments(meetingId);
    const segment = segments.find((s) => s.id === segmentId);
    if (!segment) {
      throw new GreffierError('no-segment', `meeting ${meetingId} has no segment "${segmentId}"`, {
        hint: 'use the segment ids shown by "greffier show <id> --json"',
      });
    }
    const oldTextHash = sha256Hex(segment.text);
    if (change.text !== undefined) {
      segment.text = change.text;
      segment.edited = true;
    }
    if (change.speakerId === null) delete segment.speakerId;
    else if (change.speakerId !== undefined) {
      if (!record.speakers.some((s) => s.id === change.speakerId)) {
        throw new GreffierError(
          'no-speaker',
          `meeting ${meetingId} has no speaker "${change.speakerId}"`,
          {
            hint: 'add the speaker first (renameSpeaker creates it)',
          },
        );
      }
      segment.speakerId = change.speakerId;
    }
    await this.writeTranscript(meetingId, segments);
    record.updatedAt = new Date().toISOString();
    await this.vault.save();
    await appendAudit(this.vault, {
      action: change.text === undefined ? 'speaker.set' : 'segment.edited',
      meetingId,
      details: {
        segmentId,
        ...(change.text === undefined ? {} : { oldTextHash, newTextHash: sha256Hex(segment.text) }),
        ...(change.speakerId === undefined ? {} : { speakerId: change.speakerId }),
      },
    });
    return segment;
  }

  /** Stores the minutes as given; their schema is checked by the summariser (src/shared/minutes.ts). */
  async setSummary(meetingId: string, summary: unknown): Promise<Meeting> {
    const record = this.record(meetingId);
    refuseIfLocked(record);
    await this.writeSummary(meetingId, summary);
    record.hasSummary = true;
    record.updatedAt = new Date().toISOString();
    await this.vault.save();
    return publicMeeting(record);
  }

  protected async writeSummary(meetingId: string, summary: unknown): Promise<void> {
    const bytes = Buffer.from(JSON.stringify(summary ?? null));
    await this.vault.writeMeetingFile(meetingId, 'summary', SUMMARY_SCHEMA_VERSION, bytes);
    bytes.fill(0);
  }

  async getSummary(meetingId: string): Promise<unknown> {
    this.record(meetingId);
    const bytes = await this.vault.readMeetingFile(
      meetingId,
      'summary',
      SUMMARY_SCHEMA_VERSION,
      `summary of meeting ${meetingId}`,
    );
    return bytes ? (JSON.parse(bytes.toString('utf8')) as unknown) : undefined;
  }
}
