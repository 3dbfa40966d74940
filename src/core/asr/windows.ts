import { SAMPLE_RATE } from '../audio/index.js';

/**
 * Cuts a stream of 16 kHz samples into windows for the final-quality pass:
 * each at most 30 s (whisper's own window, so one encoder run each), cut at
 * the quietest stretch between 20 and 30 s so no word is split between two
 * windows. The cut depends on the samples alone, never on how they were
 * chunked: the same journal always gives the same windows, which is what lets
 * a restarted pass recognise the windows it already did.
 *
 * Pauses are found by energy (100 ms frames): cheap enough to run on every
 * recorded second. Inside each window whisper's Silero VAD (--vad) still
 * skips the silence, so the cut only has to fall between words.
 */
export interface AudioWindow {
  /** 0, 1, 2… in meeting order. */
  index: number;
  /** First sample, counted from the meeting start. */
  from: number;
  samples: Int16Array;
}

export const WINDOW_MAX_MS = 30_000;
export const WINDOW_MIN_MS = 20_000;
const FRAME = SAMPLE_RATE / 10;
const MAX = (WINDOW_MAX_MS / 1000) * SAMPLE_RATE;
const MIN = (WINDOW_MIN_MS / 1000) * SAMPLE_RATE;

export class WindowCutter {
  #buffer = new Int16Array(MAX + SAMPLE_RATE);
  #filled = 0;
  #from = 0;
  #index = 0;

  /** Samples in; the windows that are complete out (zero or more). */
  push(samples: Int16Array): AudioWindow[] {
    const out: AudioWindow[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(samples.length - offset, MAX - this.#filled);
      this.#buffer.set(samples.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === MAX) out.push(this.#cut(quietestCut(this.#buffer, MIN, MAX)));
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

  #cut(at: number): AudioWindow {
    const window: AudioWindow = {
      index: this.#index++,
      from: this.#from,
      samples: this.#buffer.slice(0, at),
    };
    // What follows the cut starts the next window.
    this.#buffer.copyWithin(0, at, this.#filled);
    this.#buffer.fill(0, this.#filled - at, this.#filled);
    this.#filled -= at;
    this.#from += at;
    return window;
  }
}

/**
 * The sample to cut at between `min` and `max`: the middle of the quietest
 * 100 ms frame, preferring later frames when equally quiet (longer windows,
 * fewer encoder runs).
 */
function quietestCut(samples: Int16Array, min: number, max: number): number {
  let best = max;
  let bestEnergy = Infinity;
  for (let start = max - FRAME; start >= min; start -= FRAME) {
    let energy = 0;
    for (let i = start; i < start + FRAME; i++) energy += samples[i]! * samples[i]!;
    // A margin keeps near-equal frames from flipping the choice toward an earlier cut.
    if (energy < bestEnergy * 0.9) {
      best = start + FRAME / 2;
      bestEnergy = energy;
    }
  }
  return best;
}
