import type { DecodeProgress } from './stream.js';

/** Progress of an import or conversion in the shape both doors show: a fraction and an ETA. */
export interface ProgressView {
  fraction: number;
  decodedMs: number;
  /** Undefined until enough has been read for the estimate to mean something. */
  etaMs?: number;
}

/**
 * Turns decode progress into a fraction and time left, from the bytes read
 * (known from the first byte, unlike the audio duration of an MP3 without
 * a frame count) and the time elapsed since `startedAt`.
 */
export function progressView(
  progress: DecodeProgress,
  startedAt: number,
  now = Date.now(),
): ProgressView {
  const fraction =
    progress.bytesTotal > 0 ? Math.min(1, progress.bytesRead / progress.bytesTotal) : 0;
  const elapsed = now - startedAt;
  const etaMs =
    fraction >= 0.02 && elapsed >= 500
      ? Math.max(0, (elapsed * (1 - fraction)) / fraction)
      : undefined;
  return { fraction, decodedMs: progress.decodedMs, etaMs };
}
