import { concatInt16, SAMPLE_RATE } from '../audio/index.js';
import { GreffierError } from '../errors.js';
import { LanguageSchema, type MeetingSegment } from '../../shared/transcript.js';
import { applyTurns, type SpeakerTurn } from '../speakers/turns.js';
import {
  FinalPass,
  joinWindows,
  type FinalPassFigures,
  type FinalPassOptions,
} from './final-pass.js';
import { readNotes } from './notes.js';
import type { Meetings } from './meetings.js';

/** Imports go through the streaming importer (any format, bounded memory); the old name stays. */
export { importAudio, importAudio as importWav } from './import.js';

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
 * Speaker turns applied to lines that already have ids: a line cut at a turn
 * keeps its id for its first part and its other parts get b, c… after it, so
 * an id a note already cites still points at the start of the same words.
 */
export function applyTurnsKeepingIds(
  segments: MeetingSegment[],
  turns: SpeakerTurn[],
): MeetingSegment[] {
  return segments.flatMap((segment) =>
    applyTurns([segment], turns).map((part, i) => ({
      ...part,
      id: i === 0 ? segment.id : `${segment.id}${String.fromCharCode(97 + Math.min(i, 25))}`,
      ...(segment.edited ? { edited: true } : {}),
    })),
  );
}

/**
 * The final pass of a meeting: its journal replayed window by window through
 * the final-quality pass (windows the recording already did, or a pass
 * before a crash, are taken from the vault, not redone), the clerk's speaker
 * turns applied (segments cut where the floor changed), the transcript
 * stored once, and the language whisper heard recorded for an "auto"
 * meeting. The models are the caller's, already resolved. Memory stays at a
 * couple of windows whatever the meeting's length.
 */
export async function transcribeMeeting(
  meetings: Meetings,
  meetingId: string,
  options: FinalPassOptions,
): Promise<FinalPassFigures> {
  const meeting = meetings.getMeeting(meetingId);
  const pass = new FinalPass(meetings, meetingId, {
    language: meeting.language,
    totalMs: meeting.durationMs,
    ...options,
  });
  let any = false;
  for await (const chunk of meetings.readAudio(meetingId)) {
    if (chunk.samples.length === 0) continue;
    any = true;
    pass.push(chunk.samples);
    chunk.samples.fill(0);
    await pass.ready(1);
  }
  if (!any) {
    throw new GreffierError('no-audio', `meeting ${meetingId} has no audio to transcribe`, {
      hint: 'record or import audio first',
    });
  }
  const transcript = joinWindows(await pass.finish());
  const { turns } = await readNotes(meetings, meetingId);
  await meetings.setTranscript(meetingId, applyTurnsKeepingIds(transcript.segments, turns));
  await pass.forget();
  const detected = LanguageSchema.safeParse(transcript.language);
  if (meeting.language === 'auto' && detected.success) {
    meetings.vault.data.meetings[meetingId]!.language = detected.data;
    await meetings.vault.save();
  }
  return pass.figures;
}
