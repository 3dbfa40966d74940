import type { WavEncoding } from './wav.js';
import { concatInt16, floatToInt16 } from './pcm.js';
import { probeAudio } from './probe.js';
import { whisperSamples } from './stream.js';
import { SAMPLE_RATE } from '../../shared/audio.js';

export { SAMPLE_RATE } from '../../shared/audio.js';
export * from './wav.js';
export * from './resample.js';
export * from './levels.js';
export * from './pcm.js';

/** A file whisper.cpp can read as it is, with no conversion. */
export function isWhisperReady(encoding: WavEncoding): boolean {
  return (
    encoding.format === 'pcm' &&
    encoding.bitsPerSample === 16 &&
    encoding.channelCount === 1 &&
    encoding.sampleRate === SAMPLE_RATE
  );
}

export interface WhisperAudio {
  encoding: WavEncoding;
  durationMs: number;
  /** 16 kHz mono 16-bit samples, only when the file had to be converted. */
  pcm?: Int16Array;
}

/**
 * Checks an audio file (any format Greffier decodes, recognised by content)
 * and, when it is not already a 16 kHz mono 16-bit WAV, converts it in
 * memory (2 bytes per sample at 16 kHz: ~115 MB an hour; meetings import
 * streams instead). Every bad input fails here with a message naming the
 * file, before any engine starts.
 */
export async function loadAudioForWhisper(path: string): Promise<WhisperAudio> {
  const info = await probeAudio(path);
  if (info.refusal) throw info.refusal;
  if (info.wav && isWhisperReady(info.wav.encoding) && info.wav.truncatedAtMs === undefined) {
    return { encoding: info.wav.encoding, durationMs: info.wav.durationMs };
  }
  const parts: Int16Array[] = [];
  for await (const piece of whisperSamples(info)) parts.push(floatToInt16(piece));
  const pcm = concatInt16(parts);
  return {
    encoding: info.wav?.encoding ?? {
      format: 'pcm',
      bitsPerSample: 16,
      channelCount: info.channels ?? 1,
      sampleRate: info.sampleRate ?? SAMPLE_RATE,
    },
    durationMs: (pcm.length / SAMPLE_RATE) * 1000,
    pcm,
  };
}
