/** Level of a chunk in dBFS (0 = full scale); silence is -Infinity. */
export interface AudioLevel {
  rmsDbfs: number;
  peakDbfs: number;
}

function toDb(amplitude: number): number {
  return amplitude > 0 ? 20 * Math.log10(amplitude) : -Infinity;
}

/** For the record meter and for telling silence from speech cheaply. */
export function audioLevel(samples: Float32Array): AudioLevel {
  let sumSquares = 0;
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    sumSquares += s * s;
    const a = Math.abs(s);
    if (a > peak) peak = a;
  }
  const rms = samples.length ? Math.sqrt(sumSquares / samples.length) : 0;
  return { rmsDbfs: toDb(rms), peakDbfs: toDb(peak) };
}
