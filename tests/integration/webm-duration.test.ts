// Issue 15: "duration shown before importing". A WebM written where the writer
// cannot seek back (MediaRecorder in a browser, ffmpeg to a pipe) has no
// Duration element: the probe said nothing. Now the last cluster gives it
// (its timecode, the last audio block's offset and length), reading only the
// file's tail. Before: durationMs was undefined for these files.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeAudio } from '../../src/core/audio/probe.js';
import { whisperSamples } from '../../src/core/audio/stream.js';
import { opusPacketMs } from '../../src/core/audio/decoders/webm-duration.js';
import { tempDir } from '../helpers/vault.js';
import { ffmpegMissing, soxDurationMs, speechSource } from '../helpers/audio-formats.js';

const missing = ffmpegMissing();
if (missing) console.warn(`webm-duration.test: skipped: ${missing}`);
const dir = tempDir('greffier-webm-duration-');
afterAll(() => dir.remove());

/** ffmpeg writing WebM to a pipe, as a browser's recorder streams it: no Duration, clusters of unknown size. */
function pipedWebm(name: string, args: string[]): string {
  const out = spawnSync(
    'ffmpeg',
    ['-loglevel', 'error', ...args, '-c:a', 'libopus', '-b:a', '32k', '-f', 'webm', 'pipe:1'],
    { maxBuffer: 1 << 28 },
  );
  if (out.status !== 0) throw new Error(`ffmpeg failed: ${out.stderr.toString()}`);
  const file = join(dir.path, name);
  writeFileSync(file, out.stdout);
  return file;
}

async function decodedMs(file: string): Promise<number> {
  let samples = 0;
  for await (const piece of whisperSamples(await probeAudio(file))) samples += piece.length;
  return samples / 16;
}

describe.skipIf(missing)('a WebM without a Duration element', () => {
  it('is given its length from its last cluster before importing', async () => {
    const file = pipedWebm('speech.webm', ['-i', speechSource()]);
    const info = await probeAudio(file);
    expect(info.codec).toBe('opus');
    expect(info.durationExact).toBe(false);
    const reference = soxDurationMs(speechSource());
    expect(Math.abs(info.durationMs! - reference) / reference).toBeLessThan(0.01);
    expect(Math.abs(info.durationMs! - (await decodedMs(file))) / reference).toBeLessThan(0.01);
  });

  it('with a video track too (the audio track is the one timed)', async () => {
    const file = pipedWebm('video.webm', [
      ...['-f', 'lavfi', '-i', 'color=c=navy:s=160x120:r=5', '-i', speechSource()],
      ...['-shortest', '-map', '0:v', '-map', '1:a', '-c:v', 'libvpx', '-b:v', '50k'],
    ]);
    const info = await probeAudio(file);
    const reference = soxDurationMs(speechSource());
    expect(Math.abs(info.durationMs! - reference) / reference).toBeLessThan(0.02);
  });

  it('cut in the middle of a cluster: the length of what is there', async () => {
    const whole = readFileSync(pipedWebm('whole.webm', ['-i', speechSource()]));
    const file = join(dir.path, 'cut.webm');
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length * 0.6) + 7));
    const info = await probeAudio(file);
    const decoded = await decodedMs(file);
    expect(info.durationMs).toBeDefined();
    expect(Math.abs(info.durationMs! - decoded)).toBeLessThan(200);
  });

  it('reads an Opus packet length from its first byte', () => {
    expect(opusPacketMs(Uint8Array.of(0xfc))).toBe(20); // CELT 20 ms, one frame
    expect(opusPacketMs(Uint8Array.of(0x78))).toBe(20); // hybrid 20 ms
    expect(opusPacketMs(Uint8Array.of((0x0b << 3) | 1))).toBe(120); // SILK 60 ms, two frames
    expect(opusPacketMs(Uint8Array.of((16 << 3) | 3, 4))).toBe(10); // CELT 2.5 ms × 4
    expect(opusPacketMs(new Uint8Array(0))).toBe(0);
  });
});
