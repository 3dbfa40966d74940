import { basename } from 'node:path';
import { floatToInt16, SAMPLE_RATE } from '../audio/index.js';
import { probeAudio, type AudioInfo } from '../audio/probe.js';
import type { SizedSource } from '../audio/source.js';
import { whisperSamples, type AudioWarning, type DecodeProgress } from '../audio/stream.js';
import { GreffierError } from '../errors.js';
import type { LanguageChoice } from '../../shared/transcript.js';
import type { Meeting } from '../../shared/meetings.js';
import type { Meetings } from './meetings.js';
import { checkSeatPlan, LevelMeter, type Seat } from '../speakers/channels.js';
import { storeChannelSpeakers, type ChannelSpeakers } from './seats.js';

/** Samples per journal chunk: one second, as the recorder sends them. */
const CHUNK = SAMPLE_RATE;
/**
 * Journal chunks written (each fsynced) while decoding goes on: waiting for
 * every second's fsync in turn made the journal the slowest part of an
 * import. Bounded (16 × 32 KB); the import only finishes once all are on disk.
 */
const JOURNAL_AHEAD = 16;

export interface ImportOptions {
  /** Called once the file is probed, before anything is stored: its format and duration. */
  onProbe?: (info: AudioInfo) => void;
  onProgress?: (progress: DecodeProgress) => void;
  onWarning?: (warning: AudioWarning) => void;
  /** Stops the import between pieces; the half-made meeting is deleted. */
  signal?: AbortSignal;
  /** With a seat plan: who spoke, from the microphones' levels (and silent channels). */
  onChannels?: (result: ChannelSpeakers) => void;
  /** Read the recording from here (the app's sealed upload); `path` is then only its name. */
  source?: SizedSource;
}

/**
 * Imports a recording (any format Greffier decodes) as a finished meeting.
 * It streams: decoded, downmixed and resampled a quarter megabyte at a time,
 * each second appended to the meeting's encrypted journal as it comes, as a
 * recording would be. A file refused at the probe leaves the vault
 * untouched; one that fails while decoding leaves no half meeting behind.
 */
export async function importAudio(
  meetings: Meetings,
  path: string,
  input: { title: string; language?: LanguageChoice; startedAt?: string; seats?: Seat[] },
  options: ImportOptions = {},
): Promise<Meeting> {
  const info = await probeAudio(path, options.source);
  if (info.refusal) throw info.refusal;
  const { seats, ...meetingInput } = input;
  // A seat plan the file cannot satisfy is refused before anything is stored.
  if (seats) checkSeatPlan(seats, info.channels ?? 1);
  options.onProbe?.(info);
  const meeting = await meetings.create({
    ...meetingInput,
    importedFrom: { fileName: basename(info.file), format: info.codec },
  });
  let meter: LevelMeter | undefined;
  const onChannels = seats
    ? (channels: Float32Array[], sampleRate: number) => {
        meter ??= new LevelMeter(channels.length, sampleRate);
        meter.push(channels);
      }
    : undefined;
  const pending = new Float32Array(CHUNK);
  let filled = 0;
  const writing: Promise<number>[] = [];
  const store = async (samples: Int16Array) => {
    const write = meetings.appendAudio(meeting.id, samples);
    // Awaited in turn below; a failure meanwhile must not count as unhandled.
    write.catch(() => undefined);
    writing.push(write);
    if (writing.length >= JOURNAL_AHEAD) await writing.shift();
  };
  try {
    for await (const piece of whisperSamples(info, { ...options, onChannels })) {
      let at = 0;
      while (at < piece.length) {
        const take = Math.min(CHUNK - filled, piece.length - at);
        pending.set(piece.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === CHUNK) {
          await store(floatToInt16(pending));
          filled = 0;
        }
      }
      piece.fill(0);
      if (options.signal?.aborted) {
        throw new GreffierError('cancelled', `the import of ${path} was cancelled`, {
          hint: 'nothing was kept; run the import again',
        });
      }
    }
    if (filled > 0) await store(floatToInt16(pending, 0, filled));
    for (const write of writing.splice(0)) await write;
    if (seats && meter) {
      options.onChannels?.(await storeChannelSpeakers(meetings, meeting.id, meter.finish(), seats));
    }
    return await meetings.finish(meeting.id);
  } catch (error) {
    await Promise.allSettled(writing);
    await meetings.delete(meeting.id).catch(() => undefined);
    throw error;
  } finally {
    pending.fill(0);
  }
}
