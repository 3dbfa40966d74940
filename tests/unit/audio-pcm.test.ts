import { describe, expect, it } from 'vitest';
import {
  concatInt16,
  decodeWav,
  encodeWav16,
  floatToInt16,
  int16FromBase64,
  int16FromBytes,
  int16ToBase64,
  int16ToBytes,
  int16ToFloat,
  parseWavHeader,
  rms,
  SAMPLE_RATE,
  wavHeader,
  wavStream,
} from '../../src/core/audio/index.js';
import { SAMPLE_RATE as SHARED_RATE } from '../../src/shared/audio.js';
import { SAMPLE_RATE as MEETINGS_RATE } from '../../src/core/meetings/index.js';
import { GreffierError } from '../../src/core/errors.js';

describe('PCM conversions', () => {
  it('has one sample rate, 16 kHz, wherever it is imported from', () => {
    expect(SAMPLE_RATE).toBe(16_000);
    expect(SHARED_RATE).toBe(SAMPLE_RATE);
    expect(MEETINGS_RATE).toBe(SAMPLE_RATE);
  });

  it('gives every 16-bit sample back unchanged through float and back', () => {
    const all = new Int16Array(65536);
    for (let i = 0; i < all.length; i++) all[i] = i - 32768;
    expect(floatToInt16(int16ToFloat(all))).toEqual(all);
  });

  it('rounds to nearest, clips out of range, and turns NaN into silence', () => {
    expect([...floatToInt16(Float32Array.from([0.5, -0.5, 1, -1, 1.5, -1.5, NaN]))]).toEqual([
      16384, -16384, 32767, -32768, 32767, -32768, 0,
    ]);
    // 1.4 and 1.6 steps of one sample round to 1 and 2.
    expect([...floatToInt16(Float32Array.from([1.4 / 32768, 1.6 / 32768]))]).toEqual([1, 2]);
    expect([...floatToInt16(Float32Array.from([0, 0.25, 0.5, 0.75]), 1, 3)]).toEqual([8192, 16384]);
  });

  it('writes little-endian bytes and reads them back from any offset', () => {
    const samples = Int16Array.from([1, -2, 0x1234, -32768, 32767]);
    const bytes = int16ToBytes(samples);
    expect([...bytes.subarray(0, 6)]).toEqual([0x01, 0x00, 0xfe, 0xff, 0x34, 0x12]);
    // An odd byte offset (a slice of a larger buffer) still decodes.
    const shifted = Buffer.concat([Buffer.from([9]), bytes]).subarray(1);
    expect(int16FromBytes(shifted)).toEqual(samples);
  });

  it('round-trips base64 as the renderer sends it, and refuses an odd byte count', () => {
    const samples = Int16Array.from([0, 1, -1, 12345, -12345]);
    const base64 = int16ToBase64(samples);
    expect(Buffer.from(base64, 'base64').length).toBe(10);
    expect(int16FromBase64(base64)).toEqual(samples);
    const odd = Buffer.from([1, 2, 3]).toString('base64');
    expect(() => int16FromBase64(odd)).toThrow(GreffierError);
    expect(() => int16FromBase64(odd)).toThrow(/odd number of bytes/);
  });

  it('joins chunks and measures their level on either scale', () => {
    expect(concatInt16([Int16Array.from([1, 2]), new Int16Array(0), Int16Array.from([3])])).toEqual(
      Int16Array.from([1, 2, 3]),
    );
    expect(rms(Int16Array.from([16384, -16384]))).toBeCloseTo(0.5, 6);
    expect(rms(Float32Array.from([0.5, -0.5]))).toBeCloseTo(0.5, 6);
    expect(rms(new Int16Array(0))).toBe(0);
  });
});

describe('the WAV writer', () => {
  it('writes a 16 kHz mono 16-bit header our reader and whisper accept', () => {
    const header = parseWavHeader(encodeWav16(new Int16Array(16000)), 'a.wav');
    expect(header.encoding).toEqual({
      format: 'pcm',
      bitsPerSample: 16,
      channelCount: 1,
      sampleRate: SAMPLE_RATE,
    });
    expect(header.durationMs).toBe(1000);
    expect(header.dataOffset).toBe(44);
  });

  it('keeps 16-bit samples exact and converts floats once', () => {
    const samples = Int16Array.from([0, 100, -100, 32767, -32768]);
    const fromInt = decodeWav(encodeWav16(samples)).channels[0]!;
    expect(floatToInt16(fromInt)).toEqual(samples);
    const fromFloat = decodeWav(encodeWav16(int16ToFloat(samples))).channels[0]!;
    expect(floatToInt16(fromFloat)).toEqual(samples);
  });

  it('writes stereo and other rates when asked', () => {
    const header = parseWavHeader(encodeWav16(new Int16Array(8), 44100, 2), 'b.wav');
    expect(header.encoding.channelCount).toBe(2);
    expect(header.encoding.sampleRate).toBe(44100);
    expect(header.dataSize).toBe(16);
  });

  it('streams a header of unknown length, then each chunk as it comes', async () => {
    const chunks = [Int16Array.from([1, 2]), Int16Array.from([3])];
    const out: Buffer[] = [];
    for await (const bytes of wavStream(chunks)) out.push(Buffer.from(bytes));
    expect(out).toHaveLength(3);
    expect(out[0]!.equals(wavHeader(undefined))).toBe(true);
    // "Unknown": the data and RIFF sizes are the largest a reader can see, so it reads to the end.
    expect(out[0]!.readUInt32LE(40)).toBe(0xffffffff);
    expect(out[0]!.readUInt32LE(4)).toBe(0xffffffff);
    expect(Buffer.concat(out.slice(1))).toEqual(int16ToBytes(Int16Array.from([1, 2, 3])));
  });

  it('hands out views over the chunks, so zeroing what was written wipes the samples', async () => {
    const chunk = Int16Array.from([7, 8, 9]);
    for await (const bytes of wavStream([chunk])) bytes.fill(0);
    expect([...chunk]).toEqual([0, 0, 0]);
  });
});
