import { SAMPLE_RATE } from '../../shared/audio.js';
import { resampleAll } from './resampler.js';
import { downmix } from './downmix.js';

export { downmix } from './downmix.js';

/**
 * Band-limited resampling (Kaiser-windowed sinc, see resampler.ts). When
 * lowering the rate the cut-off sits just below the new Nyquist frequency so
 * nothing above it folds back into the speech band.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  return resampleAll(samples, fromRate, toRate);
}

/** Any decoded audio to what whisper reads: SAMPLE_RATE (16 kHz), one channel. */
export function toWhisperPcm(channels: Float32Array[], sampleRate: number): Float32Array {
  return resample(downmix(channels), sampleRate, SAMPLE_RATE);
}
