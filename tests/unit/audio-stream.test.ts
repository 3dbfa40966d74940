// Issue 15: the pieces of the streaming import that need no external tools:
// detection from content, RF64/BW64 and WAV over 2 GB (sparse files: the size
// is real, the disk use is not), the streaming resampler, Ogg page checks.
import { closeSync, openSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectContainer } from '../../src/core/audio/detect.js';
import { probeAudio } from '../../src/core/audio/probe.js';
import { whisperSamples, formatTime } from '../../src/core/audio/stream.js';
import { resampleAll, StreamResampler } from '../../src/core/audio/resampler.js';
import { OggPageChecker } from '../../src/core/audio/decoders/ogg-pages.js';
import { progressView } from '../../src/core/audio/progress.js';
import { encodeWav16, wavHeader } from '../../src/core/audio/wav-writer.js';
import { floatToInt16 } from '../../src/core/audio/pcm.js';
import { tempDir } from '../helpers/vault.js';

const dir = tempDir('greffier-audio-stream-');
afterAll(() => dir.remove());

function tone(seconds: number, rate: number, hz = 440): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

async function collect(path: string): Promise<Float32Array> {
  const info = await probeAudio(path);
  const parts: Float32Array[] = [];
  for await (const piece of whisperSamples(info, { readSize: 4096 })) parts.push(piece);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** An RF64 header: 32-bit sizes set to 0xFFFFFFFF, the real ones in "ds64". */
function rf64Header(dataBytes: number, rate: number, channels: number, id = 'RF64'): Buffer {
  const header = Buffer.alloc(12 + 36 + 24 + 8);
  header.write(id, 0, 'latin1');
  header.writeUInt32LE(0xffffffff, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('ds64', 12, 'latin1');
  header.writeUInt32LE(28, 16);
  header.writeBigUInt64LE(BigInt(dataBytes + header.length - 8), 20);
  header.writeBigUInt64LE(BigInt(dataBytes), 28);
  header.writeBigUInt64LE(BigInt(dataBytes / (2 * channels)), 36);
  header.writeUInt32LE(0, 44);
  const fmt = wavHeader(0, rate, channels).subarray(12, 36); // "fmt " chunk of a 16-bit WAV
  fmt.copy(header, 48);
  header.write('data', 72, 'latin1');
  header.writeUInt32LE(0xffffffff, 76);
  return header;
}

describe('format detection from content', () => {
  it('names each container from its first bytes, whatever the file is called', () => {
    expect(detectContainer(encodeWav16(new Int16Array(10))).container).toBe('wav');
    expect(detectContainer(Buffer.from('fLaC\0\0\0\x22')).container).toBe('flac');
    expect(detectContainer(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f])).container).toBe('webm');
    expect(detectContainer(Buffer.from('\0\0\0\x20ftypM4A \0\0\0\0', 'latin1'))).toMatchObject({
      container: 'mp4',
      what: 'an MP4/M4A file (M4A)',
    });
    // MPEG-1 layer III, 128 kb/s, 44.1 kHz; and ADTS (AAC) which shares the sync word.
    expect(detectContainer(Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0])).container).toBe('mp3');
    expect(detectContainer(Buffer.from([0xff, 0xf1, 0x50, 0x80, 0, 0])).container).toBe('adts');
    expect(detectContainer(Buffer.from('%PDF-1.7')).what).toBe('a PDF document, not audio');
    expect(detectContainer(Buffer.from('hello world, plain text')).container).toBe('unknown');
  });
});

describe('large and RF64 WAV files', () => {
  it('reads an RF64 (and BW64) file the same as the plain WAV of the same samples', async () => {
    const samples = floatToInt16(tone(2, 16000));
    const plain = join(dir.path, 'plain.wav');
    writeFileSync(plain, encodeWav16(samples));
    for (const id of ['RF64', 'BW64']) {
      const rf64 = join(dir.path, `${id}.wav`);
      const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
      writeFileSync(rf64, Buffer.concat([rf64Header(bytes.length, 16000, 1, id), bytes]));
      const info = await probeAudio(rf64);
      expect(info).toMatchObject({ container: 'rf64', sampleRate: 16000, channels: 1 });
      expect(info.durationMs).toBe(2000);
      expect(await collect(rf64)).toEqual(await collect(plain));
    }
  });

  it('probes a 5 GB RF64 and a 3 GB WAV by position, never reading them whole', async () => {
    const rate = 48000;
    const big = 5 * 2 ** 30;
    const rf64 = join(dir.path, 'big-rf64.wav');
    const header = rf64Header(big, rate, 2);
    let fd = openSync(rf64, 'w');
    writeSync(fd, header);
    ftruncateSync(fd, header.length + big); // Sparse: 5 GB long, a few KB on disk.
    closeSync(fd);
    const info = await probeAudio(rf64);
    expect(info.durationMs).toBeCloseTo((big / 4 / rate) * 1000, 0);
    expect(formatTime(info.durationMs!)).toBe('7:46:02.0');

    const wav = join(dir.path, 'big.wav');
    const dataBytes = 3 * 2 ** 30;
    const riff = wavHeader(dataBytes / 2, rate, 2);
    fd = openSync(wav, 'w');
    writeSync(fd, riff);
    ftruncateSync(fd, riff.length + dataBytes);
    closeSync(fd);
    const plain = await probeAudio(wav);
    expect(plain.refusal).toBeUndefined();
    expect(plain.durationMs).toBeCloseTo((dataBytes / 4 / rate) * 1000, 0);
  });

  it('warns with the time when a WAV holds fewer samples than its header says', async () => {
    const path = join(dir.path, 'cut.wav');
    const whole = encodeWav16(floatToInt16(tone(4, 16000)));
    writeFileSync(path, whole.subarray(0, 44 + 2 * 16000 * 3));
    const warnings: string[] = [];
    const info = await probeAudio(path);
    for await (const piece of whisperSamples(info, { onWarning: (w) => warnings.push(w.message) }))
      expect(piece.length).toBeGreaterThan(0);
    expect(warnings).toEqual([
      expect.stringMatching(/ends at 0:03\.0, but its header announces 0:03\.0/),
    ]);
  });
});

describe('streaming resampler', () => {
  it('gives the same samples whatever the chunk sizes, and the whole-array length', () => {
    for (const rate of [44100, 48000, 22050, 8000, 44056]) {
      const input = tone(1.3, rate, 1000);
      const whole = resampleAll(input, rate, 16000);
      expect(whole.length).toBe(Math.floor((input.length * 16000) / rate));
      const resampler = new StreamResampler(rate, 16000);
      const parts: number[] = [];
      for (let at = 0; at < input.length; at += 777) {
        parts.push(...resampler.push(input.subarray(at, at + 777)));
      }
      parts.push(...resampler.flush());
      expect(parts.length).toBe(whole.length);
      expect(Float32Array.from(parts)).toEqual(whole);
    }
  });

  it('keeps a 1 kHz tone (amplitude within 1 %) and removes what the new rate cannot hold', () => {
    const out = resampleAll(tone(1, 48000, 1000), 48000, 16000);
    const peak = Math.max(...out.subarray(1000, 15000).map(Math.abs));
    expect(peak).toBeGreaterThan(0.495);
    expect(peak).toBeLessThan(0.505);
    // 12 kHz is above 8 kHz (16 kHz's Nyquist): it must not fold back as 4 kHz.
    const aliased = resampleAll(tone(1, 48000, 12000), 48000, 16000);
    expect(Math.max(...aliased.subarray(1000, 15000).map(Math.abs))).toBeLessThan(0.005);
  });
});

describe('Ogg page checks', () => {
  it('passes good pages through and drops a page whose CRC fails, once per damaged stretch', () => {
    // Two minimal pages built by hand with their CRCs computed by the checker's own rule.
    const page = (granule: number, body: number[]) => {
      const bytes = Buffer.alloc(27 + 1 + body.length);
      bytes.write('OggS', 0, 'latin1');
      bytes.writeBigInt64LE(BigInt(granule), 6);
      bytes[26] = 1;
      bytes[27] = body.length;
      Buffer.from(body).copy(bytes, 28);
      return bytes;
    };
    const checker = new OggPageChecker();
    // The Ogg CRC (polynomial 0x04c11db7, CRC field as zeros), computed here independently.
    const crcOf = (bytes: Buffer) => {
      let crc = 0;
      for (let i = 0; i < bytes.length; i++) {
        crc ^= (i >= 22 && i < 26 ? 0 : bytes[i]!) << 24;
        for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
        crc >>>= 0;
      }
      return crc;
    };
    const good = [page(960, [1, 2, 3]), page(1920, [4, 5, 6])];
    for (const p of good) p.writeUInt32LE(crcOf(p), 22);
    const bad = page(2880, [7, 8, 9]);
    bad.writeUInt32LE((crcOf(bad) ^ 1) >>> 0, 22);
    const result = checker.push(Buffer.concat([good[0]!, bad, good[1]!]));
    expect(Buffer.from(result.pages)).toEqual(Buffer.concat(good));
    expect(result.damaged).toEqual([{ granule: 960 }]);
  });
});

describe('progress', () => {
  it('estimates the time left from the bytes read and the time spent', () => {
    const view = progressView({ bytesRead: 250, bytesTotal: 1000, decodedMs: 60_000 }, 0, 10_000);
    expect(view).toEqual({ fraction: 0.25, decodedMs: 60_000, etaMs: 30_000 });
    expect(
      progressView({ bytesRead: 1, bytesTotal: 1000, decodedMs: 0 }, 0, 10).etaMs,
    ).toBeUndefined();
  });
});
