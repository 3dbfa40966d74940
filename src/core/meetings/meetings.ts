import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { GreffierError } from '../errors.js';
import { SAMPLE_RATE } from '../audio/index.js';
import {
  MeetingFilterSchema,
  type Meeting,
  type MeetingDetail,
  type MeetingFilter,
  type Speaker,
} from '../../shared/meetings.js';
import type { LanguageChoice } from '../../shared/transcript.js';
import { appendAudit } from '../audit/index.js';
import type { MinutesStatus } from '../../shared/record.js';
import { refuseIfLocked } from './locks.js';
import { MeetingTexts } from './meeting-texts.js';
import { LIVE_MINUTES_BLOB, renameInLiveNotes, renameInMinutes } from './renames.js';
import { publicMeeting, type MeetingRecord } from '../vault/catalogue.js';
import {
  AudioJournalWriter,
  countJournalChunks,
  readJournal,
  truncatedNote,
  type JournalChunk,
} from '../vault/journal.js';
import type { Vault } from '../vault/vault.js';

// Re-exported for older imports; the one definition is the audio module's.
export { SAMPLE_RATE };

export interface NewMeeting {
  title: string;
  language?: LanguageChoice;
  /** ISO time; now when absent. */
  startedAt?: string;
  /** An audio file brought in (meetings/import.ts): audited as that, not as a recording. */
  importedFrom?: { fileName: string; format: string };
}

/** Short, unguessable, and safe as a folder name. */
export function newId(prefix: string): string {
  return `${prefix}${randomBytes(8).toString('hex')}`;
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function checkTitle(title: string): string {
  const trimmed = title.trim();
  if (!trimmed || trimmed.length > 500) {
    throw new GreffierError('bad-title', 'a meeting needs a title of 1 to 500 characters', {
      hint: 'give one with --title "…"',
    });
  }
  return trimmed;
}

/**
 * The meetings of one unlocked vault: what the CLI and the app both call.
 * Audio goes to the meeting's journal chunk by chunk; transcripts and
 * summaries are separate sealed files (meeting-texts.ts); the catalogue
 * holds the rest.
 */
export class Meetings extends MeetingTexts {
  #recordings = new Map<string, AudioJournalWriter>();
  /** Meetings being written by an archive import: the import is one audit entry, not many. */
  #imports = new Set<string>();
  /** Audio files being imported, by meeting: what their audit entry names once finished. */
  #audioImports = new Map<string, { fileName: string; format: string }>();

  constructor(vault: Vault) {
    super(vault);
    // Locking (by hand, when idle, or the window closing) finishes open recordings cleanly
    // first, marked as interrupted: the clerk did not stop them.
    vault.beforeLock(async () => {
      for (const id of [...this.#recordings.keys()]) {
        await this.finish(id, { interrupted: true }).catch(() => undefined);
      }
    });
  }

  /** Creates a meeting and opens its audio journal, ready for appendAudio. */
  async create(input: NewMeeting, importedId?: string): Promise<Meeting> {
    const title = checkTitle(input.title);
    const id = importedId ?? newId('m');
    const now = new Date().toISOString();
    const { wrapped } = this.vault.newMeetingKey(id);
    const record: MeetingRecord = {
      id,
      title,
      startedAt: input.startedAt ?? now,
      durationMs: 0,
      language: input.language ?? this.vault.data.settings.defaultLanguage,
      status: 'recording',
      speakers: [],
      audio: { sampleRate: SAMPLE_RATE, channels: 1, chunks: 0, samples: 0 },
      segmentCount: 0,
      hasSummary: false,
      createdAt: now,
      updatedAt: now,
      wrappedKey: wrapped,
    };
    // The catalogue knows the meeting (and its key) before any audio exists,
    // so a crash from here on leaves a meeting that recovery can find.
    this.vault.data.meetings[id] = record;
    await this.vault.save();
    await mkdir(this.vault.meetingDir(id), { recursive: true, mode: 0o700 });
    const writer = await AudioJournalWriter.open(
      this.vault.journalPath(id),
      id,
      this.vault.meetingKey(id),
    );
    this.#recordings.set(id, writer);
    if (input.importedFrom) this.#audioImports.set(id, input.importedFrom);
    else if (importedId === undefined)
      await appendAudit(this.vault, { action: 'recording.started', meetingId: id });
    return publicMeeting(record);
  }

  /**
   * Appends ~1 s of 16 kHz mono PCM. Resolves (with the chunk's index) once
   * the chunk is sealed and fsynced: from then on a crash cannot lose it.
   */
  async appendAudio(meetingId: string, samples: Int16Array): Promise<number> {
    const writer = this.#recordings.get(meetingId);
    if (!writer) {
      this.record(meetingId);
      throw new GreffierError('not-recording', `meeting ${meetingId} is not recording`, {
        hint: 'audio can only be added while the meeting is being recorded',
      });
    }
    this.vault.touch();
    return writer.append(samples);
  }

  isRecording(meetingId: string): boolean {
    return this.#recordings.has(meetingId);
  }

  /** Stops recording: the journal is closed and the catalogue learns the audio's length. */
  async finish(meetingId: string, options: { interrupted?: boolean } = {}): Promise<Meeting> {
    const record = this.record(meetingId);
    const writer = this.#recordings.get(meetingId);
    if (!writer) {
      if (record.status !== 'recording') return publicMeeting(record);
      throw new GreffierError(
        'not-recording',
        `meeting ${meetingId} is not being recorded by this process`,
        {
          hint: 'reopen the vault: an interrupted recording is recovered on open',
        },
      );
    }
    this.#recordings.delete(meetingId);
    const { chunks, failed } = await writer.close();
    const samples = record.audio ? record.audio.samples : 0;
    const now = new Date().toISOString();
    record.audio = {
      sampleRate: SAMPLE_RATE,
      channels: 1,
      chunks,
      samples: samples + writer.samples,
    };
    record.durationMs = Math.round(record.audio.samples / (SAMPLE_RATE / 1000));
    record.endedAt = now;
    record.status = failed || options.interrupted ? 'recovered' : 'ready';
    if (options.interrupted) {
      record.statusNote = `recording interrupted when the vault locked; ${(record.audio.samples / SAMPLE_RATE).toFixed(1)} s kept`;
    }
    if (failed) {
      record.statusNote = `recording stopped early: the disk refused a write after ${chunks} chunks (kept)`;
    }
    record.updatedAt = now;
    await this.vault.save();
    const imported = this.#audioImports.get(meetingId);
    this.#audioImports.delete(meetingId);
    if (imported) {
      await appendAudit(this.vault, {
        action: 'audio.imported',
        meetingId,
        details: { ...imported, seconds: Math.round(record.audio.samples / SAMPLE_RATE) },
      });
    } else if (!this.#imports.has(meetingId))
      await appendAudit(this.vault, {
        action: 'recording.stopped',
        meetingId,
        details: { chunks, interrupted: Boolean(options.interrupted), failed },
      });
    return publicMeeting(record);
  }

  /** Archive import: a meeting with its original id, audio appended next, then completeImport. */
  async beginImport(meeting: Meeting): Promise<void> {
    this.#imports.add(meeting.id);
    await this.create(
      { title: meeting.title, language: meeting.language, startedAt: meeting.startedAt },
      meeting.id,
    );
  }

  async completeImport(meetingId: string, original: Meeting): Promise<Meeting> {
    await this.finish(meetingId);
    this.#imports.delete(meetingId);
    const record = this.record(meetingId);
    record.status = original.status === 'recording' ? 'recovered' : original.status;
    if (original.statusNote !== undefined) record.statusNote = original.statusNote;
    if (original.endedAt !== undefined) record.endedAt = original.endedAt;
    // The approval history came as a blob: its lock comes with it.
    if (original.minutesStatus !== undefined) record.minutesStatus = original.minutesStatus;
    record.createdAt = original.createdAt;
    await this.vault.save();
    return publicMeeting(record);
  }

  /** Streams the meeting's audio chunk by chunk (never all of it in memory). */
  readAudio(meetingId: string): AsyncGenerator<JournalChunk> {
    const record = this.record(meetingId);
    this.vault.touch();
    return readJournal(
      this.vault.journalPath(meetingId),
      meetingId,
      this.vault.meetingKey(meetingId),
      undefined,
      this.#sealedChunks(record),
    );
  }

  /** How many chunks the sealed catalogue says a finished recording has (none while recording). */
  #sealedChunks(record: MeetingRecord): number | undefined {
    if (this.#recordings.has(record.id) || record.status === 'recording') return undefined;
    return record.audio?.chunks;
  }

  /** "audio truncated: 5 of 11 chunks" when whole chunks were cut off the journal. */
  async #audioNote(record: MeetingRecord): Promise<string | undefined> {
    const expected = this.#sealedChunks(record);
    if (!expected) return undefined;
    const found = await countJournalChunks(this.vault.journalPath(record.id));
    return found < expected ? truncatedNote(found, expected) : undefined;
  }

  list(filter: MeetingFilter = {}): Meeting[] {
    const f = MeetingFilterSchema.parse(filter);
    this.vault.touch();
    const text = f.text ? fold(f.text) : undefined;
    const to = f.to && f.to.length <= 10 ? `${f.to}\uffff` : f.to;
    return Object.values(this.vault.data.meetings)
      .filter((m) => !f.from || m.startedAt >= f.from)
      .filter((m) => !to || m.startedAt <= to)
      .filter((m) => !f.status || f.status.includes(m.status))
      .filter((m) => !f.language || m.language === f.language)
      .filter((m) => !text || fold(m.title).includes(text))
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .map(publicMeeting);
  }

  getMeeting(meetingId: string): Meeting {
    return publicMeeting(this.record(meetingId));
  }

  async get(meetingId: string): Promise<MeetingDetail> {
    const meeting = this.getMeeting(meetingId);
    const segments = await this.getSegments(meetingId);
    const summary = meeting.hasSummary ? await this.getSummary(meetingId) : undefined;
    const audioNote = await this.#audioNote(this.record(meetingId));
    if (audioNote) {
      meeting.statusNote = meeting.statusNote ? `${meeting.statusNote}; ${audioNote}` : audioNote;
    }
    return { ...meeting, segments, ...(summary === undefined ? {} : { summary }) };
  }

  /**
   * Names (or adds) a speaker of the meeting. The draft minutes and the notes
   * kept for them say the new name too (see renames.ts). Refused once the
   * minutes are submitted or approved: the names are part of the record that
   * was approved; a correction (a new draft version) allows it again.
   */
  async renameSpeaker(
    meetingId: string,
    speakerId: string,
    name: string,
    role?: string,
  ): Promise<Speaker> {
    const record = this.record(meetingId);
    // An archive being imported restores its record as it was, approved or not.
    const importing = this.#imports.has(meetingId);
    if (!importing) refuseIfLocked(record);
    const trimmed = name.trim();
    if (!trimmed) {
      throw new GreffierError('bad-speaker', 'a speaker needs a name', {
        hint: 'type the name to show',
      });
    }
    let speaker = record.speakers.find((s) => s.id === speakerId);
    const previous = speaker?.name;
    if (!speaker) {
      speaker = { id: speakerId, name: trimmed };
      record.speakers.push(speaker);
    }
    speaker.name = trimmed;
    if (role !== undefined) speaker.role = role;
    if (previous && previous !== trimmed && !importing) {
      await this.#renameInMinutes(meetingId, previous, trimmed);
    }
    record.updatedAt = new Date().toISOString();
    await this.vault.save();
    // The id, not the name: the trail outlives a deleted meeting and must not keep its people.
    if (!this.#imports.has(meetingId)) {
      await appendAudit(this.vault, {
        action: 'speaker.renamed',
        meetingId,
        details: { speakerId },
      });
    }
    return { ...speaker };
  }

  /** The draft minutes and the recording's notes say a speaker's new name. */
  async #renameInMinutes(meetingId: string, from: string, to: string): Promise<void> {
    if (this.record(meetingId).hasSummary) {
      const { minutes, changed } = renameInMinutes(await this.getSummary(meetingId), from, to);
      if (changed) await this.writeSummary(meetingId, minutes);
    }
    // While recording, the notes are still being written from memory (src/core/llm/live-minutes.ts):
    // rewriting the saved copy would race them and be overwritten by the next chunk.
    const record = this.record(meetingId);
    if (this.#recordings.has(meetingId) || record.status === 'recording') return;
    const bytes = await this.vault.readMeetingBlob(meetingId, LIVE_MINUTES_BLOB);
    if (!bytes) return;
    try {
      const { state, changed } = renameInLiveNotes(JSON.parse(bytes.toString('utf8')), from, to);
      if (changed) {
        const renamed = Buffer.from(JSON.stringify(state), 'utf8');
        await this.vault.writeMeetingBlob(meetingId, LIVE_MINUTES_BLOB, renamed);
        renamed.fill(0);
      }
    } catch {
      // Damaged notes are not reused anyway (loadLiveMinutes): nothing to rename.
    } finally {
      bytes.fill(0);
    }
  }

  async setTitle(meetingId: string, title: string): Promise<Meeting> {
    const record = this.record(meetingId);
    record.title = checkTitle(title);
    record.updatedAt = new Date().toISOString();
    await this.vault.save();
    return publicMeeting(record);
  }

  /** Where the minutes are in their approval (src/core/record/approval.ts keeps the history). */
  async setMinutesStatus(meetingId: string, status: MinutesStatus): Promise<void> {
    const record = this.record(meetingId);
    record.minutesStatus = status;
    record.updatedAt = new Date().toISOString();
    await this.vault.save();
  }

  /** Sets the status (used by jobs), with an optional note for the clerk. */
  async setStatus(meetingId: string, status: Meeting['status'], note?: string): Promise<void> {
    const record = this.record(meetingId);
    record.status = status;
    if (note === undefined) delete record.statusNote;
    else record.statusNote = note;
    record.updatedAt = new Date().toISOString();
    await this.vault.save();
  }

  /** Deletes a meeting by destroying its key first (crypto-shredding), then its files and jobs. */
  async delete(meetingId: string): Promise<void> {
    this.record(meetingId);
    const writer = this.#recordings.get(meetingId);
    if (writer) {
      this.#recordings.delete(meetingId);
      await writer.close();
    }
    this.#imports.delete(meetingId);
    await this.vault.shredMeeting(meetingId, (data) => {
      data.jobs = data.jobs.filter((j) => j.meetingId !== meetingId);
    });
    await appendAudit(this.vault, {
      action: 'meeting.deleted',
      meetingId,
      details: { shredded: [meetingId] },
    });
  }
}
