import { SAMPLE_RATE } from '../../shared/audio.js';
import { resampleAll } from './resampler.js';

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
