import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeWhisperHosts } from '../../src/core/asr/whisper-host.js';
import { FinalPass, windowBlobName, type FinalWindow } from '../../src/core/meetings/final-pass.js';
import { Scheduler } from '../../src/core/scheduler/index.js';
import {
  sharedFile,
  sharedFileMissing,
  speechToolsMissing,
  spokenWav,
} from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { createTestVault, tempDir } from '../helpers/vault.js';
import { whisperCli } from '../helpers/whisper.js';

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

const skip = speechToolsMissing() ?? sharedFileMissing('ggml-silero-v6.2.0.bin');
if (skip) console.warn(`final pass carry test skipped: ${skip}`);

describe.skipIf(Boolean(skip))('a window whose decoding stops early hands its tail on', () => {
  const home = tempDir('greffier-final-carry-');
  afterAll(() => {
    closeWhisperHosts();
    home.remove();
  });
  let samples = new Int16Array(0);

  beforeAll(() => {
    // About 2 minutes of French speech with whisper's VAD: several ~27 s windows.
    const body = readFileSync(spokenWav({ lang: 'fr', repeat: 4 })).subarray(44);
    const one = new Int16Array(new Uint8Array(body).buffer);
    samples = new Int16Array(one.length * 4);
    for (let i = 0; i < 4; i++) samples.set(one, i * one.length);
  });

  it('covers every second of the audio by exactly one request, one encoder run each', async () => {
    const { meetings } = await createTestVault(join(home.path, 'vault'));
    const meeting = await meetings.create({ title: 'Séance', language: 'fr' });
    const windows: FinalWindow[] = [];
    const options = {
      model: (await testModels()).whisper,
      whisperCli: await whisperCli(),
      vadModel: sharedFile('ggml-silero-v6.2.0.bin')!,
      language: 'fr' as const,
      threads: 2,
      scheduler: new Scheduler(),
    };
    const pass = new FinalPass(meetings, meeting.id, {
      ...options,
      onWindow: (window) => windows.push(window),
    });
    for (let from = 0; from < samples.length; from += 16_000) {
      pass.push(samples.slice(from, Math.min(samples.length, from + 16_000)));
      await pass.ready(1);
    }
    await pass.finish();
    const totalMs = (samples.length / 16_000) * 1000;

    // The situation under test happened: some window stopped before its end.
    const carried = windows.filter((w) => w.carriedMs > 0);
    expect(
      carried.length,
      JSON.stringify(windows.map((w) => [w.fromMs, w.toMs, w.carriedMs])),
    ).toBeGreaterThan(0);
    expect(pass.figures.carried).toBe(carried.length);
    // The decoded spans tile the audio: nothing lost, nothing decoded twice.
    expect(windows[0]!.fromMs).toBe(0);
    for (let i = 1; i < windows.length; i++) {
      expect(windows[i]!.index).toBe(windows[i - 1]!.index + 1);
      expect(windows[i]!.fromMs, `window ${i} starts where ${i - 1} stopped`).toBe(
        windows[i - 1]!.toMs,
      );
    }
    const last = windows.at(-1)!;
    expect(last.toMs).toBe(totalMs);
    expect(last.carriedMs).toBe(0);
    // A window's lines lie in its span, with its ids, in meeting time.
    for (const window of windows) {
      for (const segment of window.segments) {
        expect(segment.id.startsWith(`w${String(window.index + 1).padStart(4, '0')}-`)).toBe(true);
        expect(segment.startMs).toBeGreaterThanOrEqual(window.fromMs - 1);
        expect(segment.endMs).toBeLessThanOrEqual(window.toMs + 1);
      }
    }
    // A window that carried paid one encoder run, not a second one for its tail.
    for (const window of carried) expect(window.encodeRuns, `window ${window.index}`).toBe(1);

    // A restart after the window that carried (as after kill -9): the windows sealed before are
    // reused and the next request is rebuilt with the same tail at its front.
    const next = carried[0]!.index + 1;
    for (let i = next; i < windows.length; i++) {
      await meetings.vault.deleteMeetingBlob(meeting.id, windowBlobName(i));
    }
    const again: FinalWindow[] = [];
    const restarted = new FinalPass(meetings, meeting.id, {
      ...options,
      onWindow: (window) => again.push(window),
    });
    for (let from = 0; from < samples.length; from += 16_000) {
      restarted.push(samples.slice(from, Math.min(samples.length, from + 16_000)));
      await restarted.ready(1);
    }
    await restarted.finish();
    expect(restarted.figures.reused).toBe(next);
    expect(again.map((w) => w.reused)).toEqual(windows.map((w) => w.index < next));
    expect(again[next]!.fromMs).toBe(windows[next]!.fromMs);
    expect(again.at(-1)!.toMs).toBe(totalMs);
    for (let i = 1; i < again.length; i++) expect(again[i]!.fromMs).toBe(again[i - 1]!.toMs);
    await meetings.vault.lock();
  });
});
