// Issue 15: the audio bench printed "Closing file descriptor … on garbage
// collection". Traced to the bench (its vault was never locked, so the audit
// trail's handle stayed open until the process collected it), not to the
// audio code; these tests keep it so: after probing, converting, giving up
// half-way and refusing each format, no descriptor is left open on the file.
// Descriptors are read from /proc/self/fd (Linux; skipped elsewhere, saying why).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeAudio } from '../../src/core/audio/probe.js';
import { whisperSamples } from '../../src/core/audio/stream.js';
import { noProcFds, openUnder } from '../helpers/open-files.js';
import { tempDir } from '../helpers/vault.js';
import {
  encodedSpeech,
  ffmpegMissing,
  garbledCopy,
  speechSource,
  type Encoding,
} from '../helpers/audio-formats.js';

const missing = ffmpegMissing() ?? noProcFds;
if (missing) console.warn(`audio-open-files.test: skipped: ${missing}`);
const dir = tempDir('greffier-open-files-');
afterAll(() => dir.remove());

const ENCODINGS: Encoding[] = ['mp3', 'flac', 'vorbis', 'ogg-opus', 'webm-opus', 'm4a-aac'];

describe.skipIf(missing)('audio files are closed on every path', () => {
  it.each(ENCODINGS)('%s: probe, convert, stop half-way', async (encoding) => {
    const file = encodedSpeech(encoding);
    const info = await probeAudio(file);
    expect(openUnder(file)).toEqual([]);
    if (info.refusal) return; // AAC: refused at the probe, which closed the file.
    let samples = 0;
    for await (const piece of whisperSamples(info, { decodeThreads: 2 })) samples += piece.length;
    expect(samples).toBeGreaterThan(16_000 * 15);
    expect(openUnder(file)).toEqual([]);
    // A reader that stops after the first piece (a cancelled import) closes the file too.
    for await (const piece of whisperSamples(await probeAudio(file), { readSize: 4096 })) {
      expect(piece.length).toBeGreaterThan(0);
      break;
    }
    expect(openUnder(file)).toEqual([]);
  });

  it('WAV, a damaged file and a file refused by content', async () => {
    const wav = speechSource();
    for await (const piece of whisperSamples(await probeAudio(wav))) expect(piece).toBeDefined();
    expect(openUnder(wav)).toEqual([]);
    const garbage = join(dir.path, 'not-audio.mp3');
    writeFileSync(garbage, Buffer.alloc(50_000, 0x41));
    expect((await probeAudio(garbage)).refusal).toBeDefined();
    expect(openUnder(garbage)).toEqual([]);
    const garbled = garbledCopy(encodedSpeech('mp3'), 4000, 'speech20-mp3-garbled-fds.mp3');
    for await (const piece of whisperSamples(await probeAudio(garbled)))
      expect(piece).toBeDefined();
    expect(openUnder(garbled)).toEqual([]);
  });
});
