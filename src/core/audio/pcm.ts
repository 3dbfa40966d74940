import { endianness } from 'node:os';
import { GreffierError } from '../errors.js';

/**
 * The conversions between the shapes audio takes on its way from the
 * microphone to whisper: floats (-1..1) where it is decoded or resampled,
 * 16-bit integers where it is stored and handed to the engine, and
 * little-endian bytes (base64 over the app's JSON transport) in between.
 * Every crossing goes through here so the scale and rounding are the same
 * everywhere and a round trip Int16 → float → Int16 gives the same samples.
 */

/** One scale both ways (as WAV readers use): a sample of 1 is 32768, clipped to 32767. */
const SCALE = 0x8000;

/** -1..1 to 16-bit, rounded to nearest; out-of-range values are clipped. */
export function floatToInt16(samples: Float32Array, from = 0, to = samples.length): Int16Array {
  const out = new Int16Array(Math.max(0, to - from));
  for (let i = from; i < to; i++) {
    const s = Math.round(samples[i]! * SCALE);
    // NaN (a broken decoder) becomes silence rather than an arbitrary value.
    out[i - from] = s >= 0x7fff ? 0x7fff : s <= -0x8000 ? -0x8000 : s || 0;
  }
  return out;
}

/** 16-bit to -1..1; floatToInt16 gives the same samples back. */
export function int16ToFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / SCALE;
  return out;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The samples as little-endian bytes (the WAV and journal byte order). On a
 * little-endian machine this is a view over the same memory, not a copy:
 * zeroing the samples zeroes the bytes.
 */
export function int16ToBytes(samples: Int16Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.alloc(samples.byteLength);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

/** Little-endian 16-bit bytes to samples (a copy, aligned whatever the input's offset). */
export function int16FromBytes(bytes: Uint8Array): Int16Array {
  if (bytes.length % 2 !== 0) {
    throw new GreffierError('bad-audio', 'An audio chunk has an odd number of bytes.', {
      hint: 'Audio must be 16-bit PCM; restart the recording.',
    });
  }
  const out = new Int16Array(bytes.length / 2);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  }
  return out;
}

/** base64 of little-endian 16-bit PCM (what the renderer sends) to samples. */
export function int16FromBase64(base64: string): Int16Array {
  const bytes = Buffer.from(base64, 'base64');
  try {
    return int16FromBytes(bytes);
  } finally {
    bytes.fill(0);
  }
}

export function int16ToBase64(samples: Int16Array): string {
  return int16ToBytes(samples).toString('base64');
}

/** One array from several, e.g. a spoken question's chunks or a playback range. */
export function concatInt16(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Root-mean-square level, -1..1 scale, of either shape; 0 for no samples. */
export function rms(samples: Int16Array | Float32Array): number {
  const scale = samples instanceof Int16Array ? SCALE : 1;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i]! / scale;
    sum += value * value;
  }
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}
