import { concatInt16, SAMPLE_RATE } from '../audio/index.js';
import { transcribeStreamDetailed, type TranscribeOptions } from '../asr/index.js';
import { LanguageSchema, type Transcript } from '../../shared/transcript.js';
import { applyTurns } from '../speakers/turns.js';
import { readNotes } from './notes.js';
import type { Meetings } from './meetings.js';

/** Imports go through the streaming importer (any format, bounded memory); the old name stays. */
export { importAudio, importAudio as importWav } from './import.js';

/** The meeting's samples, decrypted one journal chunk at a time. */
async function* meetingSamples(meetings: Meetings, meetingId: string): AsyncGenerator<Int16Array> {
  for await (const chunk of meetings.readAudio(meetingId)) yield chunk.samples;
}

/**
 * Transcribes a meeting's own audio: its encrypted journal is decrypted
 * chunk by chunk straight into whisper-cli's standard input (each chunk
 * zeroed once written), and the result comes back through a pipe. No
 * plaintext audio or transcript touches the disk, and the meeting is never
 * held whole in this process.
 */
export async function transcribeMeetingAudio(
  meetings: Meetings,
  meetingId: string,
  options: TranscribeOptions,
): Promise<Transcript> {
  const run = await transcribeStreamDetailed(meetingSamples(meetings, meetingId), {
    ...options,
    what: `meeting ${meetingId}`,
  });
  return run.transcript;
}

/**
 * A range of a meeting's audio (for playback), decrypting only the chunks up
 * to its end. Times are in ms from the meeting start.
 */
export async function readMeetingSamples(
  meetings: Meetings,
  meetingId: string,
  fromMs: number,
  toMs: number,
): Promise<Int16Array> {
  const from = Math.floor((fromMs / 1000) * SAMPLE_RATE);
  const to = Math.ceil((toMs / 1000) * SAMPLE_RATE);
  const parts: Int16Array[] = [];
  let position = 0;
  for await (const chunk of meetings.readAudio(meetingId)) {
    const start = position;
    position += chunk.samples.length;
    if (position <= from) continue;
    if (start >= to) break;
    parts.push(
      chunk.samples.slice(Math.max(0, from - start), Math.min(chunk.samples.length, to - start)),
    );
  }
  return concatInt16(parts);
}

/**
 * The final pass of a meeting: its audio through whisper.cpp, the clerk's
 * speaker turns applied (segments cut where the floor changed), the
 * transcript stored once, and the language whisper heard recorded for an
 * "auto" meeting. The models are the caller's, already resolved.
 */
export async function transcribeMeeting(
  meetings: Meetings,
  meetingId: string,
  options: TranscribeOptions,
): Promise<void> {
  const meeting = meetings.getMeeting(meetingId);
  const transcript = await transcribeMeetingAudio(meetings, meetingId, {
    language: meeting.language,
    ...options,
  });
  const { turns } = await readNotes(meetings, meetingId);
  await meetings.setTranscript(meetingId, applyTurns(transcript.segments, turns));
  const detected = LanguageSchema.safeParse(transcript.language);
  if (meeting.language === 'auto' && detected.success) {
    meetings.vault.data.meetings[meetingId]!.language = detected.data;
    await meetings.vault.save();
  }
}
