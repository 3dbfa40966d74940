import { SAMPLE_RATE } from '../audio/index.js';

/**
 * Cuts a stream of 16 kHz samples into windows for the final-quality pass,
 * each cut at a pause so no word is split between two windows. The cut
 * depends on the samples alone, never on how they were chunked: the same
 * journal always gives the same windows, which is what lets a restarted pass
 * recognise the windows it already did.
 *
 * What a window costs is mostly one encoder run per 30 s of what whisper
 * hears. With whisper's Silero VAD on (--vad), it hears only the speech, so a
 * window takes up to ~27 s of *speech* (pauses do not count): a window that
 * held 30 s of audio with a third of pauses would pay a whole encoder run
 * for 20 s of speech. Without VAD it hears everything: windows of ≤ 30 s.
 * Speech and pauses are told apart here by energy in 100 ms frames (cheap on
 * every recorded second); inside the window whisper's VAD decides.
 */
export interface AudioWindow {
  /** 0, 1, 2… in meeting order. */
  index: number;
  /** First sample, counted from the meeting start. */
  from: number;
  samples: Int16Array;
}

export interface WindowRule {
  /** Speech (frames above the pause level) a window aims for. */
  speechMs: number;
  /** The cut is at the quietest frame once this much speech is in. */
  minSpeechMs: number;
  /** A window never holds more audio than this (long silences). */
  maxMs: number;
}

/** whisper's VAD on: up to ~27 s of speech, at most 90 s of audio. */
export const VAD_WINDOWS: WindowRule = { speechMs: 27_000, minSpeechMs: 20_000, maxMs: 90_000 };
/** No VAD: whisper hears every sample, so ≤ 30 s of audio (one encoder run). */
export const PLAIN_WINDOWS: WindowRule = { speechMs: 30_000, minSpeechMs: 20_000, maxMs: 30_000 };

const FRAME = SAMPLE_RATE / 10;
const FRAME_MS = 100;
/** A frame below this RMS (of full scale) is a pause: the live transcriber's silence level. */
const PAUSE_RMS = 0.01;
const PAUSE_ENERGY = (PAUSE_RMS * 32768) ** 2 * FRAME;

export class WindowCutter {
  readonly #rule: WindowRule;
  #buffer: Int16Array;
  #filled = 0;
  #from = 0;
  #index = 0;
  /** Energy of each complete frame in the buffer. */
  #energies: number[] = [];

  constructor(rule: WindowRule = VAD_WINDOWS) {
    this.#rule = rule;
    this.#buffer = new Int16Array(((rule.maxMs + FRAME_MS) / 1000) * SAMPLE_RATE);
  }

  /** Samples in; the windows that are complete out (zero or more). */
  push(samples: Int16Array): AudioWindow[] {
    const out: AudioWindow[] = [];
    let offset = 0;
    while (offset < samples.length) {
      // One frame at a time, so each decision sees the same frames however the audio came.
      const frameEnd = (this.#energies.length + 1) * FRAME;
      const take = Math.min(samples.length - offset, frameEnd - this.#filled);
      this.#buffer.set(samples.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === frameEnd) {
        this.#energies.push(energy(this.#buffer, frameEnd - FRAME, frameEnd));
        const cut = this.#cutPoint();
        if (cut !== undefined) out.push(this.#cut(cut));
      }
    }
    return out;
  }

  /** The rest, at the end of the audio (undefined when nothing is left). */
  flush(): AudioWindow | undefined {
    return this.#filled > 0 ? this.#cut(this.#filled) : undefined;
  }

  /** Samples taken but not yet in a window (the tail the final pass still owes at stop). */
  get pendingSamples(): number {
    return this.#filled;
  }

  /** Where to cut now (in frames × FRAME), or undefined to wait for more audio. */
  #cutPoint(): number | undefined {
    const frames = this.#energies;
    const speechFrames = frames.filter((e) => e >= PAUSE_ENERGY).length;
    const full = frames.length * FRAME_MS >= this.#rule.maxMs;
    if (speechFrames * FRAME_MS < this.#rule.speechMs && !full) return undefined;
    // The quietest frame after minSpeechMs of speech (or after 2/3 of a window of silence).
    let speech = 0;
    let first = frames.length - 1;
    for (let i = 0; i < frames.length; i++) {
      if (frames[i]! >= PAUSE_ENERGY) speech += FRAME_MS;
      if (speech >= this.#rule.minSpeechMs || i * FRAME_MS >= (this.#rule.maxMs * 2) / 3) {
        first = i;
        break;
      }
    }
    let best = frames.length - 1;
    for (let i = frames.length - 1; i >= first; i--) {
      // A margin keeps near-equal frames from moving the cut earlier (longer windows, fewer runs).
      if (frames[i]! < frames[best]! * 0.9) best = i;
    }
    // Cut in the middle of the quiet frame.
    return best * FRAME + FRAME / 2;
  }

  #cut(at: number): AudioWindow {
    const window: AudioWindow = {
      index: this.#index++,
      from: this.#from,
      samples: this.#buffer.slice(0, at),
    };
    // What follows the cut starts the next window; its frames are measured afresh.
    const rest = this.#filled - at;
    this.#buffer.copyWithin(0, at, this.#filled);
    this.#buffer.fill(0, rest, this.#filled);
    this.#filled = rest;
    this.#from += at;
    this.#energies = [];
    for (let end = FRAME; end <= rest; end += FRAME) {
      this.#energies.push(energy(this.#buffer, end - FRAME, end));
    }
    return window;
  }
}

function energy(samples: Int16Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! * samples[i]!;
  return sum;
}
