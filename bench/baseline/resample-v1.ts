/** The resampler as it was before the streaming polyphase one: the bench measures against it. */
import { SAMPLE_RATE } from '../../src/shared/audio.js';

/** Averages the channels: a room microphone's channels carry the same speech. */
export function downmix(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0]!;
  const length = channels[0]!.length;
  const out = new Float32Array(length);
  for (const channel of channels) {
    for (let i = 0; i < length; i++) out[i]! += channel[i]!;
  }
  const scale = 1 / channels.length;
  for (let i = 0; i < length; i++) out[i]! *= scale;
  return out;
}

/** Zeroth-order modified Bessel function, for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const half = x / 2;
  for (let k = 1; k < 30; k++) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

const ZERO_CROSSINGS = 16;
const PHASES = 256;
const KAISER_BETA = 8.6;

/**
 * One table of the windowed-sinc kernel, sampled at PHASES points per
 * zero crossing and linearly interpolated between them: precise enough
 * (stop-band ≈ -80 dB) and cheap to build for any ratio.
 */
const kernelTable: Float32Array = (() => {
  const size = ZERO_CROSSINGS * PHASES + 2;
  const table = new Float32Array(size);
  const i0Beta = besselI0(KAISER_BETA);
  for (let i = 0; i < size; i++) {
    const x = i / PHASES; // in zero crossings
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = x / ZERO_CROSSINGS;
    const window = r >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
    table[i] = sinc * window;
  }
  return table;
})();

function kernel(x: number): number {
  const ax = Math.abs(x) * PHASES;
  const i = Math.floor(ax);
  if (i >= kernelTable.length - 1) return 0;
  const frac = ax - i;
  return kernelTable[i]! + frac * (kernelTable[i + 1]! - kernelTable[i]!);
}

/**
 * Band-limited resampling (Kaiser-windowed sinc). When lowering the rate the
 * kernel is stretched so its cut-off sits just below the new Nyquist
 * frequency and nothing above it folds back into the speech band.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples;
  const ratio = toRate / fromRate;
  const outLength = Math.floor((samples.length * toRate) / fromRate);
  const out = new Float32Array(outLength);
  // Cut-off at 0.95 of the lower Nyquist frequency leaves a transition band for the window.
  const cutoff = Math.min(1, ratio) * 0.95;
  const halfWidth = ZERO_CROSSINGS / cutoff; // in input samples
  const n = samples.length;
  for (let j = 0; j < outLength; j++) {
    const centre = j / ratio;
    const first = Math.max(0, Math.ceil(centre - halfWidth));
    const last = Math.min(n - 1, Math.floor(centre + halfWidth));
    let acc = 0;
    for (let i = first; i <= last; i++) acc += samples[i]! * kernel((i - centre) * cutoff);
    out[j] = acc * cutoff;
  }
  return out;
}

/** Any decoded audio to what whisper reads: SAMPLE_RATE (16 kHz), one channel. */
export function toWhisperPcm(channels: Float32Array[], sampleRate: number): Float32Array {
  return resample(downmix(channels), sampleRate, SAMPLE_RATE);
}
