import { decodeWav, readAudioBytes, parseWavHeader, type WavEncoding } from './wav.js';
import { toWhisperPcm } from './resample.js';
import { floatToInt16 } from './pcm.js';
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
 * Checks a WAV file and, when it is not already 16 kHz mono 16-bit, converts
 * it in memory. Every bad input fails here with a message naming the file,
 * before any engine starts.
 */
export async function loadAudioForWhisper(path: string): Promise<WhisperAudio> {
  const bytes = await readAudioBytes(path);
  const header = parseWavHeader(bytes, path);
  if (isWhisperReady(header.encoding)) {
    return { encoding: header.encoding, durationMs: header.durationMs };
  }
  const decoded = decodeWav(bytes, path);
  return {
    encoding: header.encoding,
    durationMs: header.durationMs,
    pcm: floatToInt16(toWhisperPcm(decoded.channels, decoded.sampleRate)),
  };
}
