// Issue 15: MP3 pieces decoded at once. The cutter's rules, on frames built by
// hand (MPEG-1 layer III, 44.1 kHz, 128 kb/s: 417 bytes each): no byte lost
// or repeated whatever the reads, each piece's warm-up is the 16–31 frames
// just before it with as many frames modulo 16 as a decoder from the start
// would have run (what keeps mpg123's output bit-identical), garbage is not
// counted as frames, and the LAME tag's padding gives where the audio ends.
import { describe, expect, it } from 'vitest';
import { Mp3FrameCutter, mp3Header } from '../../src/core/audio/decoders/mp3-frames.js';

const FRAME = 417;

/** Audio frame `n`: a valid header, then `n` in every byte (frames told apart in the warm-up). */
function frame(n: number): number[] {
  return [0xff, 0xfb, 0x90, 0x00, ...new Array<number>(FRAME - 4).fill(n & 0xff)];
}

/** The Xing/Info frame ffmpeg writes: frame count, then the LAME tag's delay and padding. */
function infoFrame(frames: number, delay: number, padding: number): number[] {
  const bytes = new Array<number>(FRAME).fill(0);
  bytes.splice(0, 4, 0xff, 0xfb, 0x90, 0x00);
  const tag = 4 + 32;
  bytes.splice(tag, 4, ...[...'Info'].map((c) => c.charCodeAt(0)));
  bytes.splice(tag + 4, 4, 0, 0, 0, 0x0f);
  bytes.splice(
    tag + 8,
    4,
    (frames >>> 24) & 255,
    (frames >>> 16) & 255,
    (frames >>> 8) & 255,
    frames & 255,
  );
  const lame = tag + 8 + 4 + 4 + 100 + 4;
  bytes.splice(lame + 21, 3, delay >> 4, ((delay & 15) << 4) | (padding >> 8), padding & 255);
  return bytes;
}

function cutAll(file: Uint8Array, reads: number[]) {
  const cutter = new Mp3FrameCutter();
  const pieces = [];
  let at = 0;
  for (let i = 0; at < file.length; i++) {
    const size = reads[i % reads.length]!;
    const piece = cutter.push(file.subarray(at, at + size), false);
    if (piece) pieces.push(piece);
    at += size;
  }
  const last = cutter.push(new Uint8Array(0), true);
  if (last) pieces.push(last);
  return { pieces, cutter };
}

describe('MP3 frame cutter', () => {
  it('reads a layer III header and refuses what is not one', () => {
    expect(mp3Header(Uint8Array.from(frame(0)), 0)).toMatchObject({
      length: FRAME,
      samplesPerFrame: 1152,
    });
    expect(mp3Header(Uint8Array.from([0xff, 0xfb, 0xf0, 0x00]), 0)).toBeUndefined(); // bitrate 15
    expect(mp3Header(Uint8Array.from([0xff, 0xfd, 0x90, 0x00]), 0)).toBeUndefined(); // layer II
  });

  it.each([[[1000]], [[4096, 333, 17_000]], [[65_536]]])(
    'reads of %j: every byte once, warm-up frames just before each piece, in phase',
    (reads) => {
      const frames = 300;
      const file = Uint8Array.from([
        ...infoFrame(frames, 576, 802),
        ...Array.from({ length: frames }, (_, n) => frame(n)).flat(),
      ]);
      const { pieces, cutter } = cutAll(file, reads);
      expect(cutter.endSample).toBe(frames * 1152 - 802 + 529);
      expect(pieces.length).toBeGreaterThan(1);
      const joined = Buffer.concat(pieces.map((piece) => piece.body));
      expect(joined.equals(Buffer.from(file))).toBe(true);
      expect(pieces[0]!.warmup.length).toBe(0);
      let framesBefore = 0;
      for (const [i, piece] of pieces.entries()) {
        expect(piece.firstFrame).toBe(framesBefore);
        if (i > 0) {
          const warmupFrames = piece.warmup.length / FRAME;
          expect(warmupFrames).toBeGreaterThanOrEqual(16);
          expect(warmupFrames).toBeLessThanOrEqual(31);
          expect(warmupFrames % 16).toBe(piece.firstFrame % 16);
          // The frames just before the piece: frame numbers firstFrame - W .. firstFrame - 1.
          expect(piece.warmup[4]).toBe((piece.firstFrame - warmupFrames) & 0xff);
          expect(piece.warmup[piece.warmup.length - 1]).toBe((piece.firstFrame - 1) & 0xff);
        }
        // The Info frame is in the first body but is not an audio frame.
        framesBefore += Math.round(piece.body.length / FRAME) - (i === 0 ? 1 : 0);
      }
      expect(framesBefore).toBe(frames);
    },
  );

  // Workers that resample their own piece decode one frame past it (the filter reaches ahead),
  // and the first piece is cut small (decoded alone first, it tells where sample 0 is).
  it.each([[[1000]], [[4096, 333, 17_000]]])(
    'reads of %j with a frame of lookahead: each piece carries the next frame, the first is small',
    (reads) => {
      const frames = 300;
      const file = Uint8Array.from([
        ...infoFrame(frames, 576, 802),
        ...Array.from({ length: frames }, (_, n) => frame(n)).flat(),
      ]);
      const cutter = new Mp3FrameCutter(undefined, 1);
      const pieces = [];
      let at = 0;
      for (let i = 0; at < file.length; i++) {
        const size = reads[i % reads.length]!;
        const piece = cutter.push(file.subarray(at, at + size), false, i === 0 ? 32 : Infinity);
        if (piece) pieces.push(piece);
        at += size;
      }
      for (let piece = cutter.push(new Uint8Array(0), true); piece;) {
        pieces.push(piece);
        piece = piece.final ? undefined : cutter.push(new Uint8Array(0), true);
      }
      expect(cutter.startSample).toBe(576 + 529);
      expect(cutter.sampleRate).toBe(44_100);
      expect(Buffer.concat(pieces.map((p) => p.body)).equals(Buffer.from(file))).toBe(true);
      expect(pieces.filter((p) => p.final)).toEqual([pieces[pieces.length - 1]]);
      expect(pieces[pieces.length - 1]!.after.length).toBe(0);
      let framesBefore = 0;
      for (const [i, piece] of pieces.entries()) {
        expect(piece.firstFrame).toBe(framesBefore);
        framesBefore += piece.frames;
        if (piece.final) continue;
        // The frame just after the body, whole: the next piece's first.
        expect(piece.after.length).toBe(FRAME);
        expect(piece.after[4]).toBe(framesBefore & 0xff);
        expect(
          Buffer.from(pieces[i + 1]!.body.subarray(0, FRAME)).equals(Buffer.from(piece.after)),
        ).toBe(true);
      }
      if (reads[0] === 1000) expect(pieces[0]!.frames).toBeLessThanOrEqual(32);
      expect(framesBefore).toBe(frames);
    },
  );

  it('steps over garbage: kept in the bytes, not counted as frames', () => {
    const garbage = new Array<number>(1000).fill(0xff);
    const file = Uint8Array.from([
      ...Array.from({ length: 50 }, (_, n) => frame(n)).flat(),
      ...garbage,
      ...Array.from({ length: 50 }, (_, n) => frame(50 + n)).flat(),
    ]);
    const { pieces, cutter } = cutAll(file, [3000]);
    expect(cutter.endSample).toBe(Infinity);
    expect(Buffer.concat(pieces.map((p) => p.body)).equals(Buffer.from(file))).toBe(true);
    const last = pieces[pieces.length - 1]!;
    // Frame 49 is followed by garbage, not a header: it cannot be told from garbage and is not counted.
    const counted = last.firstFrame + Math.floor(last.body.length / FRAME);
    expect(counted).toBeGreaterThanOrEqual(98);
    expect(counted).toBeLessThanOrEqual(99);
  });
});
