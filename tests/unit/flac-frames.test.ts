// Issue 15: FLAC resumes after damage. Frames are built by hand (a header with
// its CRC-8, a body, the frame's CRC-16), so the splitter's rules are checked
// exactly: a frame whose CRC-16 fails is dropped and reported with the first
// sample it held, the next good frame is kept, whatever the cut of the reads.
import { describe, expect, it } from 'vitest';
import { FlacFrameSplitter } from '../../src/core/audio/decoders/flac-frames.js';

function crc8(bytes: number[]): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function crc16(bytes: number[]): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let k = 0; k < 8; k++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** Frame `n` of a fixed-blocksize stream: 192 samples, 44.1 kHz, mono, 16-bit; `body` bytes after the header. */
function frame(n: number, body: number): number[] {
  const header = [0xff, 0xf8, 0x19, 0x08, n];
  const bytes = [...header, crc8(header)];
  for (let i = 0; i < body; i++) bytes.push((n * 31 + i * 7) & 0x7f); // never a sync byte (0xff)
  const crc = crc16(bytes);
  return [...bytes, crc >> 8, crc & 0xff];
}

const STREAM_HEAD = [0x66, 0x4c, 0x61, 0x43, 0x80, 0, 0, 0]; // "fLaC", one empty last metadata block

function split(bytes: Uint8Array, cut: number) {
  const splitter = new FlacFrameSplitter();
  const frames: number[][] = [];
  const damaged: number[] = [];
  for (let at = 0; at < bytes.length; at += cut) {
    const out = splitter.push(bytes.subarray(at, at + cut));
    frames.push(...out.frames.map((f) => [...f]));
    damaged.push(...out.damaged.map((d) => d.atSample));
  }
  const tail = splitter.push(new Uint8Array(0), true);
  frames.push(...tail.frames.map((f) => [...f]));
  damaged.push(...tail.damaged.map((d) => d.atSample));
  return { frames, damaged };
}

describe('FLAC frame splitter', () => {
  const frames = [0, 1, 2, 3].map((n) => frame(n, 100 + n));
  const stream = Uint8Array.from([...STREAM_HEAD, ...frames.flat()]);

  it('cuts a clean stream into its frames, whatever the reads', () => {
    for (const cut of [7, 64, 1000]) {
      expect(split(stream, cut)).toEqual({ frames, damaged: [] });
    }
  });

  it('drops a frame whose CRC-16 fails, names its first sample, and resumes at the next', () => {
    const damaged = Uint8Array.from(stream);
    const at = STREAM_HEAD.length + frames[0]!.length + 40; // inside frame 1's body
    damaged[at] = damaged[at]! ^ 0x10;
    for (const cut of [7, 64, 1000]) {
      expect(split(damaged, cut)).toEqual({
        frames: [frames[0], frames[2], frames[3]],
        damaged: [192],
      });
    }
  });

  it('steps over garbage between frames, once per damaged stretch', () => {
    const garbage = Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 0xff);
    const bytes = Uint8Array.from([
      ...STREAM_HEAD,
      ...frames[0]!,
      ...frames[1]!.slice(0, 50),
      ...garbage,
      ...frames[2]!,
      ...frames[3]!,
    ]);
    const out = split(bytes, 64);
    expect(out.frames).toEqual([frames[0], frames[2], frames[3]]);
    expect(out.damaged).toEqual([192]);
  });
});
