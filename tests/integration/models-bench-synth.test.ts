import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getLlama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCRIPTED_WORDS } from '../../src/core/models/synth/whisper-file.js';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { benchModels, type GeneratedModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';

// The real-dimension pair is 1.2 GB and takes a minute to write and load on
// two cores, so this check runs on request (the benchmarks use the same pair).
const enabled = process.env.GREFFIER_TEST_BENCH_MODELS === '1';
const why = !enabled
  ? 'set GREFFIER_TEST_BENCH_MODELS=1 to write the 1.2 GB benchmark models and load them'
  : speechToolsMissing();
if (why) console.warn(`skipping the benchmark-model load test: ${why}`);

const scratch = mkdtempSync(join(tmpdir(), 'greffier-bench-synth-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let models: GeneratedModels;
beforeAll(async () => {
  if (!why) models = await benchModels();
}, 900_000);

describe.skipIf(why)('benchmark-dimension generated models', () => {
  it('the 1.5 B-shaped GGUF loads in node-llama-cpp with its real dimensions and generates', async () => {
    expect(statSync(models.llm).size).toBeGreaterThan(900_000_000);
    const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: models.llm });
    try {
      expect(model.embeddingVectorSize).toBe(1536);
      expect(model.fileInsights.totalLayers).toBeGreaterThanOrEqual(28);
      expect(model.fileInfo.metadata.tokenizer.ggml.tokens).toHaveLength(151936);
      const context = await model.createContext({ contextSize: 256 });
      const sequence = context.getSequence();
      const generated: Token[] = [];
      for await (const token of sequence.evaluate(model.tokenize('Le conseil municipal'), {
        temperature: 0,
      })) {
        generated.push(token);
        if (generated.length >= 2) break;
      }
      expect(model.detokenize(generated).trim().length).toBeGreaterThan(0);
      await context.dispose();
    } finally {
      await model.dispose();
      await llama.dispose();
    }
  });

  it('the whisper base-dimension model runs in whisper-cli without temperature fallback', async () => {
    const cli = await whisperCli();
    const prefix = join(scratch, 'base');
    // Without -np whisper.cpp prints its timings, fallback count included.
    const { stderr } = await promisify(execFile)(cli, [
      '-m',
      models.whisper,
      '-f',
      spokenWav({ lang: 'fr' }),
      '-l',
      'fr',
      '-ojf',
      '-of',
      prefix,
    ]);
    expect(stderr).toMatch(/fallbacks = +0 p \/ +0 h/);
    const output = JSON.parse(readFileSync(`${prefix}.json`, 'utf8')) as {
      model: { audio: { state: number; layer: number; head: number } };
      transcription: { text: string }[];
    };
    expect(output.model.audio).toEqual({ ctx: 1500, state: 512, head: 8, layer: 6 });
    expect(output.transcription.map((s) => s.text.trim())).toEqual([SCRIPTED_WORDS.join(' ')]);
  });
});
