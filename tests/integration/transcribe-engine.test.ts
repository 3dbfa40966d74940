import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  transcribeFileDetailed,
  transcribePcm,
  transcribePcmDetailed,
} from '../../src/core/asr/whisper.js';
import { readWavFile, resample, toWhisperPcm } from '../../src/core/audio/index.js';
import { GreffierError } from '../../src/core/errors.js';
import { privateTempDir } from '../../src/core/tempfiles.js';
import { TranscriptSchema, type Transcript } from '../../src/shared/transcript.js';
import {
  sharedFile,
  sharedFileMissing,
  silenceWav,
  speechToolsMissing,
  spokenWav,
} from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';

let model: string;

beforeAll(async () => {
  await whisperCli();
  model = (await testModels()).whisper;
});

function expectValidTimes(transcript: Transcript): void {
  TranscriptSchema.parse(transcript);
  for (const s of transcript.segments) {
    expect(s.startMs).toBeGreaterThanOrEqual(0);
    expect(s.startMs).toBeLessThanOrEqual(s.endMs);
    expect(s.endMs).toBeLessThanOrEqual(transcript.durationMs);
  }
}

const noTools = speechToolsMissing();
if (noTools) console.warn(`transcribe-engine.test: spoken-fixture tests skipped: ${noTools}`);
const vadMissing = sharedFileMissing('ggml-silero-v6.2.0.bin') ?? sharedFileMissing('jfk.wav');
if (vadMissing) console.warn(`transcribe-engine.test: VAD tests skipped: ${vadMissing}`);

describe('whisper.cpp with the generated model', () => {
  it.skipIf(!!noTools)(
    'transcribes spoken French forced to fr and English forced to en',
    async () => {
      const fr = await transcribeFileDetailed(spokenWav({ lang: 'fr' }), { model, language: 'fr' });
      expect(fr.transcript.language).toBe('fr');
      expect(fr.transcript.segments.length).toBeGreaterThanOrEqual(1);
      expectValidTimes(fr.transcript);
      const en = await transcribeFileDetailed(
        spokenWav({ lang: 'en', variant: '48k-mono-24bit' }),
        {
          model,
          language: 'en',
          prompt: 'Conseil municipal, Mme Dupont, M. Martin',
        },
      );
      expect(en.transcript.language).toBe('en');
      expect(en.transcript.segments.length).toBeGreaterThanOrEqual(1);
      expectValidTimes(en.transcript);
      // whisper's own timings come back for benchmarks (encoder apart from decoder).
      expect(fr.timings.encodeMs).toBeGreaterThan(0);
      expect(fr.timings.totalMs).toBeGreaterThan(0);
    },
  );

  it('reports progress between 0 and 100, ending at 100', async () => {
    const seen: number[] = [];
    const pcm = new Float32Array(16000 * 3);
    for (let i = 0; i < pcm.length; i++) pcm[i] = 0.2 * Math.sin(i / 5);
    await transcribePcm(pcm, { model, language: 'en', onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    for (const p of seen) expect(p >= 0 && p <= 100).toBe(true);
    expect(seen.at(-1)).toBe(100);
  });

  it('transcribes samples from memory and leaves no plaintext audio behind', async () => {
    const pcm = new Float32Array(16000 * 2);
    for (let i = 0; i < pcm.length; i++) pcm[i] = 0.3 * Math.sin(i / 3);
    const before = readdirSync(privateTempDir()).length;
    const transcript = await transcribePcm(pcm, { model, language: 'fr', audioContext: 256 });
    expect(transcript.durationMs).toBe(2000);
    expectValidTimes(transcript);
    expect(readdirSync(privateTempDir())).toHaveLength(before);
  });

  it('is cancelled by an AbortSignal: the engine is stopped and nothing is left behind', async () => {
    const controller = new AbortController();
    const pcm = new Float32Array(16000 * 20);
    for (let i = 0; i < pcm.length; i++) pcm[i] = 0.3 * Math.sin(i / 7);
    const run = transcribePcmDetailed(pcm, {
      model,
      // Abort once the engine has started talking, so the child really is running.
      onLog: () => controller.abort(),
      signal: controller.signal,
    });
    await expect(run).rejects.toSatisfy(
      (e: unknown) =>
        e instanceof GreffierError && e.code === 'cancelled' && /cancelled/.test(e.message),
    );
    expect(readdirSync(privateTempDir())).toHaveLength(0);
  });

  it('refuses to start when already cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      transcribePcm(new Float32Array(16000), { model, signal: controller.signal }),
    ).rejects.toThrow();
  });
});

describe('voice activity detection (the real Silero VAD)', () => {
  it.skipIf(!!vadMissing)(
    'finds the 4 speech segments of jfk.wav, as whisper.cpp’s own test does',
    async () => {
      const run = await transcribeFileDetailed(sharedFile('jfk.wav')!, {
        model,
        language: 'en',
        vadModel: sharedFile('ggml-silero-v6.2.0.bin')!,
      });
      expect(run.vad?.speechSegments).toBe(4);
      expect(run.vad?.speechMs).toBeGreaterThan(5000);
      expect(run.transcript.segments.length).toBeGreaterThanOrEqual(1);
      expectValidTimes(run.transcript);
    },
  );

  it.skipIf(!!vadMissing)('finds no speech in silence, so nothing is transcribed', async () => {
    const run = await transcribeFileDetailed(silenceWav(5), {
      model,
      language: 'fr',
      vadModel: sharedFile('ggml-silero-v6.2.0.bin')!,
    });
    expect(run.vad?.speechSegments ?? 0).toBe(0);
    expect(run.transcript.segments).toHaveLength(0);
    expect(run.transcript.durationMs).toBe(5000);
  });

  it.skipIf(!!vadMissing)(
    'still finds them after a round trip through 44.1 kHz stereo',
    async () => {
      const jfk = await readWavFile(sharedFile('jfk.wav')!);
      const up = resample(jfk.channels[0]!, 16000, 44100);
      const pcm = toWhisperPcm([up, up], 44100);
      expect(Math.abs(pcm.length - jfk.channels[0]!.length)).toBeLessThanOrEqual(1);
      const run = await transcribePcmDetailed(pcm, {
        model,
        vadModel: sharedFile('ggml-silero-v6.2.0.bin')!,
      });
      expect(run.vad?.speechSegments).toBe(4);
    },
  );
});
