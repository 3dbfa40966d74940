import { open as openFile } from 'node:fs/promises';
import { GreffierError } from '../errors.js';
import { readWavFile, toWhisperPcm } from '../audio/index.js';
import { transcribeFile, type TranscribeOptions } from '../asr/index.js';
import { resolveModel } from '../models/resolver.js';
import { privateTempPath, removeQuietly } from '../tempfiles.js';
import { writeAll } from '../vault/durable.js';
import { LanguageSchema, type LanguageChoice } from '../../shared/transcript.js';
import type { Meeting } from '../../shared/meetings.js';
import { JobNotReady, type JobHandler } from './jobs.js';
import { SAMPLE_RATE, type Meetings } from './meetings.js';

/** Samples per journal chunk: one second, as the recorder sends them. */
const CHUNK = SAMPLE_RATE;

function toInt16(samples: Float32Array, from: number, to: number): Int16Array {
  const out = new Int16Array(to - from);
  for (let i = from; i < to; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    out[i - from] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
  }
  return out;
}

/**
 * Imports a WAV file as a finished meeting: decoded, converted to 16 kHz
 * mono, and appended to the meeting's encrypted journal in 1 s chunks.
 */
export async function importWav(
  meetings: Meetings,
  path: string,
  input: { title: string; language?: LanguageChoice; startedAt?: string },
): Promise<Meeting> {
  // Decode before creating anything, so a bad file leaves the vault untouched.
  const decoded = await readWavFile(path);
  const pcm = toWhisperPcm(decoded.channels, decoded.sampleRate);
  const meeting = await meetings.create(input);
  try {
    for (let from = 0; from < pcm.length; from += CHUNK) {
      await meetings.appendAudio(
        meeting.id,
        toInt16(pcm, from, Math.min(pcm.length, from + CHUNK)),
      );
    }
    pcm.fill(0);
    return await meetings.finish(meeting.id);
  } catch (error) {
    await meetings.delete(meeting.id).catch(() => undefined);
    throw error;
  }
}

function wavHeader(samples: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples * 2, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples * 2, 40);
  return header;
}

/**
 * Decrypts a meeting's audio chunk by chunk into a WAV in the private
 * temporary folder (the only place plaintext audio may exist), runs `use`
 * on it, and removes it whatever happens.
 */
export async function withMeetingWav<T>(
  meetings: Meetings,
  meetingId: string,
  use: (path: string) => Promise<T>,
): Promise<T> {
  const path = privateTempPath('.wav');
  try {
    const handle = await openFile(path, 'wx', 0o600);
    let samples = 0;
    try {
      await writeAll(handle, wavHeader(0), 0);
      let at = 44;
      for await (const chunk of meetings.readAudio(meetingId)) {
        const bytes = Buffer.from(
          chunk.samples.buffer,
          chunk.samples.byteOffset,
          chunk.samples.byteLength,
        );
        await writeAll(handle, bytes, at);
        at += bytes.length;
        samples += chunk.samples.length;
        chunk.samples.fill(0);
      }
      await writeAll(handle, wavHeader(samples), 0);
    } finally {
      await handle.close();
    }
    if (samples === 0) {
      throw new GreffierError('no-audio', `meeting ${meetingId} has no audio to transcribe`, {
        hint: 'record or import audio first',
      });
    }
    return await use(path);
  } finally {
    removeQuietly(path);
  }
}

export type TranscribeDefaults = Partial<Omit<TranscribeOptions, 'signal' | 'onProgress'>>;

/**
 * The transcribe job: the meeting's own audio through whisper.cpp; the
 * model comes from the job, else the caller's, else the vault's default
 * speech model, and the vault's VAD model skips silence when installed.
 */
export function transcribeJobHandler(defaults: TranscribeDefaults = {}): JobHandler {
  return async ({ job, meetings, signal, progress }) => {
    const meeting = meetings.getMeeting(job.meetingId);
    // The resolver checks the bytes of what it picks; the installed VAD is
    // used unless the vault's useVad is off or --vad-model named another.
    const resolving = { env: defaults.env ?? process.env, ...(signal ? { signal } : {}) };
    const model = await resolveModel(meetings.vault, 'asr', {
      ...resolving,
      explicit: (job.params.model as string | undefined) ?? defaults.model,
    });
    const vadModel = await resolveModel(meetings.vault, 'vad', {
      ...resolving,
      explicit: (job.params.vadModel as string | undefined) ?? defaults.vadModel,
    });
    if (!model) {
      throw new JobNotReady(
        'no-asr-model',
        'no speech model to transcribe with',
        'give one with --asr-model F, or install one with "greffier models add F --kind asr"',
      );
    }
    const language = (job.params.language as LanguageChoice | undefined) ?? meeting.language;
    const transcript = await withMeetingWav(meetings, meeting.id, (wav) =>
      transcribeFile(wav, {
        ...defaults,
        model,
        ...(vadModel ? { vadModel } : {}),
        language,
        ...(signal ? { signal } : {}),
        onProgress: (percent) => progress(percent / 100),
      }),
    );
    await meetings.setTranscript(meeting.id, transcript.segments);
    const detected = LanguageSchema.safeParse(transcript.language);
    if (meeting.language === 'auto' && detected.success) {
      meetings.vault.data.meetings[meeting.id]!.language = detected.data;
      await meetings.vault.save();
    }
  };
}
