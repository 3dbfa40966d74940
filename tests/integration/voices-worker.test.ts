import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSpeakerModels } from '../../src/core/models/synth/speaker-models.js';
import {
  coolDiarizer,
  diarizeInWorker,
  warmDiarizer,
  warmedReady,
} from '../../src/core/speakers/voices-thread.js';
import { diarizeSamples } from '../../src/core/speakers/voices.js';
import { vaultModelSource } from '../../src/core/models/source.js';
import { warmSpeakers } from '../../src/core/pipeline/voices-step.js';
import { createTestVault } from '../helpers/vault.js';
import { speechToolsMissing } from '../helpers/fixtures.js';
import { chamber } from '../helpers/seats.js';
import { tempDir } from '../helpers/vault.js';

// The diarization worker started ahead of its step (while the final pass
// runs): the step takes it ready, gets what the engine gives in this thread,
// and a job for other models ends it rather than keep its memory.
const skip = speechToolsMissing();
if (skip) console.warn(`the voices worker test is skipped: ${skip}`);

describe.skipIf(skip !== undefined)('the warm diarization worker (real sherpa-onnx)', () => {
  const dir = tempDir('greffier-voices-worker-');
  const models = {
    segmentation: join(dir.path, 'segmentation.onnx'),
    voiceprint: join(dir.path, 'voiceprint.onnx'),
  };
  let mix: Float32Array;

  beforeAll(() => {
    writeSpeakerModels({ segmentation: models.segmentation, embedding: models.voiceprint }, 1);
    const room = chamber(2, 4);
    mix = new Float32Array(room.channels[0]!.length);
    for (const channel of room.channels) {
      for (let i = 0; i < mix.length; i++) mix[i]! += channel[i]! / 2;
    }
  }, 300_000);
  afterAll(() => {
    coolDiarizer();
    dir.remove();
  });

  it('is taken ready by the step and gives what the engine gives in this thread', async () => {
    expect(await warmedReady()).toBeUndefined();
    warmDiarizer(models, 2);
    const start = await warmedReady();
    expect(start).toMatchObject({ addonMs: expect.any(Number), modelMs: expect.any(Number) });
    const result = await diarizeInWorker(mix.slice(), models, { threads: 2 });
    expect(result.cost.warmed).toBe(true);
    // Taken: the next step starts its own worker.
    expect(await warmedReady()).toBeUndefined();
    const here = diarizeSamples(mix, models, { threads: 2 });
    expect(result.segments).toEqual(here.segments);
    expect(result.segments.length).toBeGreaterThan(0);
    // No voice on file was said: no voiceprint made.
    expect(result.voiceprints).toEqual([]);
    const cold = await diarizeInWorker(mix.slice(), models, { threads: 2, voiceprints: true });
    expect(cold.cost.warmed).toBe(false);
    expect(cold.segments).toEqual(here.segments);
    expect(cold.voiceprints.length).toBeGreaterThan(0);
    expect(cold.voiceprints[0]!.vector).toHaveLength(192);
  }, 300_000);

  it('is started by the pipeline only for models that pass the check', async () => {
    const open = await createTestVault(join(dir.path, 'vault'));
    try {
      // A segmentation model that is not one: sherpa-onnx would end the process; nothing starts.
      const wrong = vaultModelSource(open, {
        explicit: { segmentation: models.voiceprint, voiceprint: models.voiceprint },
      });
      await warmSpeakers(wrong, 2);
      expect(await warmedReady()).toBeUndefined();
      const right = vaultModelSource(open, { explicit: models });
      await warmSpeakers(right, 2);
      expect(await warmedReady()).toMatchObject({ modelMs: expect.any(Number) });
      const result = await diarizeInWorker(mix.slice(), models, { threads: 2 });
      expect(result.cost.warmed).toBe(true);
    } finally {
      await open.vault.lock();
    }
  }, 300_000);

  it('is ended when a step needs other settings, and a cancelled step says so', async () => {
    warmDiarizer(models, 1);
    await warmedReady();
    const controller = new AbortController();
    controller.abort();
    await expect(
      diarizeInWorker(mix.slice(), models, { threads: 2 }, controller.signal),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(await warmedReady()).toBeUndefined();
  }, 300_000);
});
