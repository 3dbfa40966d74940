import { decodeWav, readAudioBytes, parseWavHeader, type WavEncoding } from './wav.js';
import { toWhisperPcm, WHISPER_SAMPLE_RATE } from './resample.js';

export * from './wav.js';
export * from './resample.js';
export * from './levels.js';

/** A file whisper.cpp can read as it is, with no conversion. */
export function isWhisperReady(encoding: WavEncoding): boolean {
  return (
    encoding.format === 'pcm' &&
    encoding.bitsPerSample === 16 &&
    encoding.channelCount === 1 &&
    encoding.sampleRate === WHISPER_SAMPLE_RATE
  );
}

export interface WhisperAudio {
  encoding: WavEncoding;
  durationMs: number;
  /** 16 kHz mono samples, only when the file had to be converted. */
  pcm?: Float32Array;
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
    pcm: toWhisperPcm(decoded.channels, decoded.sampleRate),
  };
}
