import {
  concatInt16,
  floatToInt16,
  readWavFile,
  SAMPLE_RATE,
  toWhisperPcm,
} from '../audio/index.js';
import { transcribeStreamDetailed, type TranscribeOptions } from '../asr/index.js';
import { LanguageSchema, type LanguageChoice, type Transcript } from '../../shared/transcript.js';
import { applyTurns } from '../speakers/turns.js';
import { readNotes } from './notes.js';
import { checkSeatPlan, measureLevels, type Seat } from '../speakers/channels.js';
import { storeChannelSpeakers, type ChannelSpeakers } from './seats.js';
import type { Meeting } from '../../shared/meetings.js';
import type { Meetings } from './meetings.js';

/** Samples per journal chunk: one second, as the recorder sends them. */
const CHUNK = SAMPLE_RATE;

/**
 * Imports a WAV file as a finished meeting: decoded, converted to 16 kHz
 * mono, and appended to the meeting's encrypted journal in 1 s chunks.
 */
export async function importWav(
  meetings: Meetings,
  path: string,
  input: { title: string; language?: LanguageChoice; startedAt?: string; seats?: Seat[] },
  onChannels?: (result: ChannelSpeakers) => void,
): Promise<Meeting> {
  // Decode before creating anything, so a bad file leaves the vault untouched.
  const decoded = await readWavFile(path);
  if (input.seats) checkSeatPlan(input.seats, decoded.channels.length);
  const { seats, ...meetingInput } = input;
  const pcm = toWhisperPcm(decoded.channels, decoded.sampleRate);
  const meeting = await meetings.create(meetingInput);
  try {
    // Speakers from the microphones: levels of every channel, the mix to whisper.
    if (seats) {
      const track = measureLevels(decoded.channels, decoded.sampleRate);
      onChannels?.(await storeChannelSpeakers(meetings, meeting.id, track, seats));
    }
    for (let from = 0; from < pcm.length; from += CHUNK) {
      await meetings.appendAudio(
        meeting.id,
        floatToInt16(pcm, from, Math.min(pcm.length, from + CHUNK)),
      );
    }
    pcm.fill(0);
    return await meetings.finish(meeting.id);
  } catch (error) {
    await meetings.delete(meeting.id).catch(() => undefined);
    throw error;
  }
}

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
