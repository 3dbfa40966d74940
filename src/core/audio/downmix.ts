/** Averages the channels: a room microphone's channels carry the same speech. */
export function downmix(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0]!;
  const length = channels[0]!.length;
  const out = new Float32Array(length);
  if (channels.length === 2) {
    // Stereo, the common case, in one pass (the general loop below makes three): the sum rounded
    // to float as the general loop stores it, then halved, so the samples are the same (the loop
    // starts from +0: two -0 make +0).
    const [left, right] = channels as [Float32Array, Float32Array];
    for (let i = 0; i < length; i++) out[i] = Math.fround(0 + left[i]! + right[i]!) * 0.5;
    return out;
  }
  for (const channel of channels) {
    for (let i = 0; i < length; i++) out[i]! += channel[i]!;
  }
  const scale = 1 / channels.length;
  for (let i = 0; i < length; i++) out[i]! *= scale;
  return out;
}
