import { decodeWav, parseWavHeader, readAudioBytes, type WavEncoding } from './wav.js';
import { toWhisperPcm } from './resample.js';
import { concatInt16, floatToInt16 } from './pcm.js';
import { probeAudio } from './probe.js';
import { openAudio, whisperSamples, type DecodeOptions } from './stream.js';
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

/** Below this a WAV is read whole, with the strict checks (a lying header is refused). */
const WHOLE_WAV_LIMIT = 2 ** 31 - 1;

/**
 * Checks an audio file (any format Greffier decodes, recognised by content)
 * and, when it is not already a 16 kHz mono 16-bit WAV, converts it in
 * memory (2 bytes per sample at 16 kHz: ~115 MB an hour; meetings import
 * streams instead). Every bad input fails here with a message naming the
 * file, before any engine starts.
 */
export async function loadAudioForWhisper(path: string): Promise<WhisperAudio> {
  const info = await probeAudio(path).catch(() => undefined);
  const plainWav = info?.container === 'wav' && info.bytes <= WHOLE_WAV_LIMIT;
  if (!info || plainWav || info.container === 'unknown') {
    // The WAV reader's own checks and messages (what is accepted, what is wrong).
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
  if (info.refusal) throw info.refusal;
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

/**
 * A short recording whole (a spoken question), as whisper hears it: 16 kHz
 * mono floats, from any format an import reads, through the same decoders
 * (`ask --audio`). Long files belong to `importAudio`, which streams.
 */
export async function readWhisperSamples(
  path: string,
  options: DecodeOptions = {},
): Promise<Float32Array> {
  const info = await openAudio(path);
  const parts: Float32Array[] = [];
  let length = 0;
  for await (const piece of whisperSamples(info, options)) {
    parts.push(piece);
    length += piece.length;
  }
  const out = new Float32Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
