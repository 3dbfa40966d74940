import { applyTurns, type SpeakerTurn } from '../speakers/turns.js';
import {
  clusterLabel,
  clusterSpeakerId,
  type Diarization,
  type DiarizeOptions,
  type VoiceModels,
  type VoiceSegment,
} from '../speakers/voices.js';
import { diarizeInWorker } from '../speakers/voices-thread.js';
import { readNotes } from './notes.js';
import type { Meetings } from './meetings.js';

/**
 * Speakers from voices for one meeting, after its final pass: the meeting's
 * audio (decrypted in memory only) through the diarization worker, turns
 * applied to the transcript (segments cut on token times), each voice in the
 * roster as « Intervenant A », B… for the clerk to name. The clusters and
 * their voiceprints stay sealed in the meeting, so naming a voice can
 * remember it and later meetings can suggest it.
 */

const VOICES_BLOB = 'voice-clusters';

export interface MeetingVoices {
  segments: VoiceSegment[];
  voiceprints: Diarization['voiceprints'];
  modelSha?: string;
}

export type DiarizeOutcome =
  { skipped: 'turns' | 'no-audio' | 'no-speech' } | { clusters: number; turns: number };

/** The meeting's audio as floats, one decrypted chunk at a time into one array. */
export async function meetingFloats(meetings: Meetings, meetingId: string): Promise<Float32Array> {
  const samples = meetings.getMeeting(meetingId).audio?.samples ?? 0;
  const out = new Float32Array(samples);
  let at = 0;
  for await (const chunk of meetings.readAudio(meetingId)) {
    const part = chunk.samples;
    for (let i = 0; i < part.length && at < out.length; i++) out[at++] = part[i]! / 32768;
    part.fill(0);
  }
  return at === out.length ? out : out.subarray(0, at);
}

/** Turns from voice segments: the floor changes where a segment of another voice starts. */
export function voiceTurns(segments: VoiceSegment[]): SpeakerTurn[] {
  const turns: SpeakerTurn[] = [];
  let current: number | undefined;
  for (const segment of [...segments].sort((a, b) => a.startMs - b.startMs)) {
    if (segment.cluster === current) continue;
    current = segment.cluster;
    turns.push({ atMs: segment.startMs, speakerId: clusterSpeakerId(segment.cluster) });
  }
  return turns;
}

export async function readMeetingVoices(
  meetings: Meetings,
  meetingId: string,
): Promise<MeetingVoices | undefined> {
  const bytes = await meetings.vault.readMeetingBlob(meetingId, VOICES_BLOB);
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as MeetingVoices;
  } finally {
    bytes.fill(0);
  }
}

export async function diarizeMeeting(
  meetings: Meetings,
  meetingId: string,
  models: VoiceModels,
  options: DiarizeOptions & { signal?: AbortSignal; force?: boolean } = {},
): Promise<DiarizeOutcome> {
  // The clerk's keys or the microphone channels already say who spoke: they win.
  const { turns: marked } = await readNotes(meetings, meetingId);
  if (marked.length > 0 && !options.force) return { skipped: 'turns' };
  const meeting = meetings.getMeeting(meetingId);
  if (!meeting.audio?.samples) return { skipped: 'no-audio' };
  const samples = await meetingFloats(meetings, meetingId);
  const { signal, force: _force, ...engine } = options;
  const result = await diarizeInWorker(samples, models, engine, signal);
  if (result.segments.length === 0) return { skipped: 'no-speech' };
  const bytes = Buffer.from(
    JSON.stringify({ segments: result.segments, voiceprints: result.voiceprints }),
  );
  try {
    await meetings.vault.writeMeetingBlob(meetingId, VOICES_BLOB, bytes);
  } finally {
    bytes.fill(0);
  }
  const clusters = [...new Set(result.segments.map((s) => s.cluster))].sort((a, b) => a - b);
  const roster = new Set(meetings.getMeeting(meetingId).speakers.map((s) => s.id));
  for (const cluster of clusters) {
    // A voice the clerk already named in an earlier run keeps its name.
    if (!roster.has(clusterSpeakerId(cluster))) {
      await meetings.renameSpeaker(
        meetingId,
        clusterSpeakerId(cluster),
        clusterLabel(cluster, meeting.language === 'en' ? 'en' : 'fr'),
      );
    }
  }
  const turns = voiceTurns(result.segments);
  const segments = await meetings.getSegments(meetingId);
  if (segments.length) {
    // Numbered afresh: a segment cut in two cannot keep one id for both halves.
    const unnumbered = segments.map(({ id: _id, ...segment }) => segment);
    await meetings.setTranscript(meetingId, applyTurns(unnumbered, turns));
  }
  return { clusters: clusters.length, turns: turns.length };
}

/** Seconds of speech per roster speaker, from the transcript's segments. */
export function speakingTime(
  segments: { startMs: number; endMs: number; speakerId?: string }[],
): Map<string, number> {
  const time = new Map<string, number>();
  for (const s of segments) {
    if (!s.speakerId) continue;
    time.set(s.speakerId, (time.get(s.speakerId) ?? 0) + Math.max(0, s.endMs - s.startMs));
  }
  return time;
}
