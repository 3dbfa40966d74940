import { describe, expect, it } from 'vitest';
import {
  PLAIN_WINDOWS,
  VAD_WINDOWS,
  WindowCutter,
  type AudioWindow,
} from '../../src/core/asr/windows.js';
import { applyTurnsKeepingIds } from '../../src/core/meetings/transcription.js';
import { SeededRandom } from '../../src/core/models/synth/random.js';

const RATE = 16000;

/** Speech-like noise and pauses: `pattern` is [seconds, 'speech' | 'pause'] pairs. */
function audio(pattern: [number, 'speech' | 'pause'][], seed = 1): Int16Array {
  const random = new SeededRandom(seed);
  const total = pattern.reduce((n, [s]) => n + Math.round(s * RATE), 0);
  const out = new Int16Array(total);
  let at = 0;
  for (const [seconds, kind] of pattern) {
    const n = Math.round(seconds * RATE);
    for (let i = 0; i < n; i++) {
      out[at + i] = kind === 'speech' ? Math.round(random.nextNormal(3000)) : 0;
    }
    at += n;
  }
  return out;
}

function cutAll(samples: Int16Array, chunk: number, rule = VAD_WINDOWS): AudioWindow[] {
  const cutter = new WindowCutter(rule);
  const windows: AudioWindow[] = [];
  for (let from = 0; from < samples.length; from += chunk) {
    windows.push(...cutter.push(samples.subarray(from, Math.min(samples.length, from + chunk))));
  }
  const tail = cutter.flush();
  if (tail) windows.push(tail);
  return windows;
}

/** Five-second phrases with 3 s pauses: 62 % speech, like the bench's meeting. */
const meeting = (phrases: number) =>
  audio(
    Array.from({ length: phrases }, (_, i): [number, 'speech' | 'pause'][] => [
      [5, 'speech'],
      [i % 3 === 0 ? 4 : 2.5, 'pause'],
    ]).flat(),
  );

describe('final-pass windows', () => {
  it('cut at pauses, the same windows however the audio was chunked', () => {
    const samples = meeting(40);
    const byRecorder = cutAll(samples, RATE);
    const byImport = cutAll(samples, 4096);
    const bounds = (ws: AudioWindow[]) => ws.map((w) => [w.from, w.samples.length]);
    expect(bounds(byImport)).toEqual(bounds(byRecorder));
    expect(byRecorder.length).toBeGreaterThan(5);
    // Every sample is in exactly one window, in order.
    let next = 0;
    for (const w of byRecorder) {
      expect(w.from).toBe(next);
      next += w.samples.length;
    }
    expect(next).toBe(samples.length);
    // Each cut falls in a pause: the samples around it are silent.
    for (const w of byRecorder.slice(0, -1)) {
      const end = w.from + w.samples.length;
      expect(samples[end - 1]).toBe(0);
      expect(samples[end]).toBe(0);
    }
  });

  it('with VAD, a window holds ~27 s of speech however many pauses; without, ≤ 30 s of audio', () => {
    const samples = meeting(40);
    const speechMs = (w: AudioWindow) => {
      let frames = 0;
      for (let f = 0; f + 1600 <= w.samples.length; f += 1600) {
        if (w.samples.subarray(f, f + 1600).some((s) => s !== 0)) frames++;
      }
      return frames * 100;
    };
    const vad = cutAll(samples, RATE, VAD_WINDOWS);
    for (const w of vad.slice(0, -1)) {
      expect(speechMs(w)).toBeGreaterThanOrEqual(20_000);
      expect(speechMs(w)).toBeLessThanOrEqual(30_000);
    }
    const plain = cutAll(samples, RATE, PLAIN_WINDOWS);
    for (const w of plain) expect(w.samples.length).toBeLessThanOrEqual(30 * RATE);
    expect(plain.length).toBeGreaterThan(vad.length);
  });

  it('a long silence still makes bounded windows', () => {
    const samples = audio([[200, 'pause']]);
    const windows = cutAll(samples, RATE, VAD_WINDOWS);
    for (const w of windows) expect(w.samples.length).toBeLessThanOrEqual(90 * RATE);
    expect(windows.reduce((n, w) => n + w.samples.length, 0)).toBe(samples.length);
  });
});

describe('speaker turns on final lines', () => {
  it('keep the ids notes cite: a cut line keeps its id for its first part', () => {
    const token = (text: string, startMs: number) => ({
      text,
      startMs,
      endMs: startMs + 400,
      p: 0.9,
    });
    const segments = [
      {
        id: 'w0001-01',
        startMs: 0,
        endMs: 4000,
        text: 'a b',
        tokens: [token(' a', 0), token(' b', 3000)],
      },
      { id: 'w0001-02', startMs: 4000, endMs: 6000, text: 'c', tokens: [token(' c', 4000)] },
    ];
    const out = applyTurnsKeepingIds(segments, [
      { atMs: 0, speakerId: 'p1' },
      { atMs: 2000, speakerId: 'p2' },
    ]);
    expect(out.map((s) => [s.id, s.speakerId, s.text])).toEqual([
      ['w0001-01', 'p1', 'a'],
      ['w0001-01b', 'p2', 'b'],
      ['w0001-02', 'p2', 'c'],
    ]);
  });
});
