import { applyTurns, type SpeakerTurn } from '../speakers/turns.js';
import {
  clusterLabel,
  clusterSpeakerId,
  longestSpeech,
  type Diarization,
  type DiarizeOptions,
  type VoiceModels,
  type VoiceSegment,
} from '../speakers/voices.js';
import {
  diarizeInWorker,
  voiceprintInWorker,
  warmDiarizer,
  type DiarizeCost,
} from '../speakers/voices-thread.js';
import { sha256File } from '../models/verify.js';
import { readNotes } from './notes.js';
import { GreffierError } from '../errors.js';
import {
  listVoices,
  rememberVoice,
  requireConsent,
  suggestVoices,
  type RememberedVoice,
  type VoiceConsent,
  type VoiceSuggestion,
} from '../speakers/voice-store.js';
import type { Meetings } from './meetings.js';

/**
 * Speakers from voices for one meeting, after its final pass: the meeting's
 * audio (decrypted in memory only) through the diarization worker, turns
 * applied to the transcript (segments cut on token times), each voice in the
 * roster as « Intervenant A », B… for the clerk to name. The clusters stay
 * sealed in the meeting. Voiceprints (biometric data) are made only when they
 * have a use: at diarization when a voice of the same model is on file (to
 * suggest it), and when the clerk records a person's consent (to keep it).
 * The meeting itself keeps none.
 */

const VOICES_BLOB = 'voice-clusters';

export interface MeetingVoices {
  segments: VoiceSegment[];
  /** Only in meetings diarized before voiceprints were made on demand. */
  voiceprints?: Diarization['voiceprints'];
  /** SHA-256 of the voiceprint model: remembered voices are compared only within one model. */
  modelSha?: string;
  /** The voiceprint model file, to make a voiceprint later when consent is recorded. */
  voiceprintModel?: string;
  /** Remembered voices this meeting's speakers sound like, waiting for the clerk. */
  suggestions?: VoiceSuggestion[];
}

export type DiarizeOutcome =
  | { skipped: 'turns' | 'no-audio' | 'no-speech' }
  | {
      clusters: number;
      turns: number;
      /** Voiceprints made (0 unless a voice of the same model is on file). */
      voiceprints: number;
      /** Where the time went (the benchmark prints it). */
      cost: DiarizeCost & { journalMs: number; saveMs: number };
    };

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

async function saveMeetingVoices(meetings: Meetings, meetingId: string, voices: MeetingVoices) {
  const bytes = Buffer.from(JSON.stringify(voices));
  try {
    await meetings.vault.writeMeetingBlob(meetingId, VOICES_BLOB, bytes);
  } finally {
    bytes.fill(0);
  }
}

async function requireVoices(meetings: Meetings, meetingId: string): Promise<MeetingVoices> {
  const voices = await readMeetingVoices(meetings, meetingId);
  if (!voices) {
    throw new GreffierError(
      'no-meeting-voices',
      `the voices of meeting ${meetingId} have not been told apart`,
      { hint: 'install the speaker models and run the speakers step again' },
    );
  }
  return voices;
}

/** The clerk accepts a suggestion: the speaker takes the remembered voice's name. */
export async function confirmSuggestion(
  meetings: Meetings,
  meetingId: string,
  speakerId: string,
): Promise<VoiceSuggestion> {
  const voices = await requireVoices(meetings, meetingId);
  const suggestion = voices.suggestions?.find((s) => s.speakerId === speakerId);
  if (!suggestion) {
    throw new GreffierError('no-suggestion', `no voice is suggested for speaker ${speakerId}`, {
      hint: 'name the speaker yourself',
    });
  }
  await meetings.renameSpeaker(meetingId, speakerId, suggestion.name);
  voices.suggestions = voices.suggestions!.filter((s) => s.speakerId !== speakerId);
  await saveMeetingVoices(meetings, meetingId, voices);
  return suggestion;
}

/** The clerk rejects a suggestion: it is not shown again for this meeting. */
export async function rejectSuggestion(meetings: Meetings, meetingId: string, speakerId: string) {
  const voices = await requireVoices(meetings, meetingId);
  voices.suggestions = (voices.suggestions ?? []).filter((s) => s.speakerId !== speakerId);
  await saveMeetingVoices(meetings, meetingId, voices);
}

/** Suggestions waiting for the clerk (none when no voice is remembered). */
export async function voiceSuggestions(
  meetings: Meetings,
  meetingId: string,
): Promise<VoiceSuggestion[]> {
  return (await readMeetingVoices(meetings, meetingId))?.suggestions ?? [];
}

/**
 * Keeps a named speaker's voice for later meetings, with the consent given:
 * the voiceprint of the speaker's voice in this meeting, sealed in the vault.
 */
export async function rememberSpeakerVoice(
  meetings: Meetings,
  meetingId: string,
  speakerId: string,
  consent: VoiceConsent,
  options: { threads?: number } = {},
): Promise<RememberedVoice> {
  const voices = await requireVoices(meetings, meetingId);
  const speaker = meetings.getMeeting(meetingId).speakers.find((s) => s.id === speakerId);
  const turns = voices.segments.filter((s) => clusterSpeakerId(s.cluster) === speakerId);
  if (!speaker || turns.length === 0 || !voices.modelSha) {
    throw new GreffierError(
      'no-voiceprint',
      `speaker ${speakerId} of meeting ${meetingId} has no voiceprint to keep`,
      { hint: 'only voices found by the speakers step can be remembered' },
    );
  }
  if (/^(Intervenant|Speaker) [A-Z]+$/.test(speaker.name)) {
    throw new GreffierError('voice-unnamed', `name ${speaker.name} before keeping the voice`, {
      hint: 'give the speaker their real name first',
      exitCode: 2,
    });
  }
  // Refused before any voiceprint is made: no consent, no biometric data.
  requireConsent(speaker.name, consent);
  const vector =
    voices.voiceprints?.find((v) => clusterSpeakerId(v.cluster) === speakerId)?.vector ??
    (await speakerVoiceprint(meetings, meetingId, voices, turns, options.threads ?? 1));
  return rememberVoice(meetings.vault, {
    name: speaker.name,
    vector,
    model: voices.modelSha,
    consent,
  });
}

/** A speaker's voiceprint made now from the meeting's audio, with the model the meeting was diarized with. */
async function speakerVoiceprint(
  meetings: Meetings,
  meetingId: string,
  voices: MeetingVoices,
  turns: VoiceSegment[],
  threads: number,
): Promise<number[]> {
  const model = voices.voiceprintModel;
  const sha = model ? await sha256File(model).catch(() => undefined) : undefined;
  if (!model || sha !== voices.modelSha) {
    throw new GreffierError(
      'voice-model-changed',
      `the voiceprint model meeting ${meetingId} was diarized with is no longer installed`,
      {
        hint: 'install that model again, or run the speakers step again with the current one',
      },
    );
  }
  const samples = await meetingFloats(meetings, meetingId);
  const vector = await voiceprintInWorker(samples, longestSpeech(turns), model, threads);
  if (!vector) {
    throw new GreffierError(
      'no-voiceprint',
      `speaker ${clusterSpeakerId(turns[0]!.cluster)} of meeting ${meetingId} has too little speech for a voiceprint`,
      { hint: 'only voices heard for a few seconds or more can be remembered' },
    );
  }
  return vector;
}

export async function diarizeMeeting(
  meetings: Meetings,
  meetingId: string,
  models: VoiceModels,
  options: DiarizeOptions & {
    signal?: AbortSignal;
    force?: boolean;
    modelSha?: string;
  } = {},
): Promise<DiarizeOutcome> {
  // The clerk's keys or the microphone channels already say who spoke: they win.
  const { turns: marked } = await readNotes(meetings, meetingId);
  if (marked.length > 0 && !options.force) return { skipped: 'turns' };
  const meeting = meetings.getMeeting(meetingId);
  if (!meeting.audio?.samples) return { skipped: 'no-audio' };
  // Not warmed during the final pass (a step run alone): the worker loads while the journal is read.
  warmDiarizer(models, options.threads ?? 1);
  let started = performance.now();
  const samples = await meetingFloats(meetings, meetingId);
  const journalMs = performance.now() - started;
  const { signal, force: _force, modelSha, ...engine } = options;
  // Voiceprints only when there is something on file to compare them with.
  const onFile =
    modelSha !== undefined && listVoices(meetings.vault).some((v) => v.model === modelSha);
  const result = await diarizeInWorker(samples, models, { ...engine, voiceprints: onFile }, signal);
  if (result.segments.length === 0) return { skipped: 'no-speech' };
  started = performance.now();
  // Remembered voices (with consent on file) this meeting's voices sound like.
  const suggestions = onFile
    ? await suggestVoices(
        meetings.vault,
        result.voiceprints.map((v) => ({
          speakerId: clusterSpeakerId(v.cluster),
          vector: v.vector,
        })),
        modelSha,
      )
    : [];
  for (const print of result.voiceprints) print.vector.fill(0);
  await saveMeetingVoices(meetings, meetingId, {
    segments: result.segments,
    ...(modelSha ? { modelSha } : {}),
    voiceprintModel: models.voiceprint,
    suggestions,
  });
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
  return {
    clusters: clusters.length,
    turns: turns.length,
    voiceprints: result.voiceprints.length,
    cost: { ...result.cost, journalMs, saveMs: performance.now() - started },
  };
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
