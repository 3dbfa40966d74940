import { onnxMetadata } from '../../src/core/models/synth/onnx-file.js';
import { SPEAKER_SYNTH_FILES } from '../../src/core/models/synth/speaker-models.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGreffier } from '../helpers/cli.js';
import { toFloat16Bits } from '../../src/core/models/synth/binary-writer.js';
import { SeededRandom } from '../../src/core/models/synth/random.js';
import { synthModels, SYNTH_FILES } from '../../src/core/models/synth/index.js';
import { commonWords, llmVocabulary } from '../../src/core/models/synth/vocabulary.js';
import { designScriptedDecoder, WHISPER_IDS } from '../../src/core/models/synth/whisper-decoder.js';
import { SCRIPTED_WORDS } from '../../src/core/models/synth/whisper-file.js';

const scratch = mkdtempSync(join(tmpdir(), 'greffier-synth-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function cli(argv: string[]) {
  return runGreffier({}, argv);
}

describe('seeded random numbers', () => {
  it('repeat for a seed and differ between seeds', () => {
    const draw = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 8 }, () => random.nextUint32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('give normals with the requested spread', () => {
    const random = new SeededRandom(3);
    const values = Array.from({ length: 20000 }, () => random.nextNormal(0.05));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(sd).toBeGreaterThan(0.048);
    expect(sd).toBeLessThan(0.052);
  });
});

describe('half-precision conversion', () => {
  it('matches IEEE binary16 bit patterns', () => {
    expect(toFloat16Bits(0)).toBe(0x0000);
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(0.5)).toBe(0x3800);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(0.1)).toBe(0x2e66);
  });
});

describe('generated LLM vocabulary', () => {
  it('has unique token strings, all 256 byte tokens and the common words', () => {
    const vocabulary = llmVocabulary();
    const texts = vocabulary.map((t) => t.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(vocabulary.filter((t) => t.type === 6)).toHaveLength(256);
    expect(texts).toContain('<0x0A>');
    expect(commonWords().length).toBeGreaterThanOrEqual(300);
    const spoken = vocabulary.filter((t) => t.spoken).map((t) => t.text);
    expect(spoken).toContain('\u2581conseil');
    expect(spoken).toContain('\u2581budget');
    // Bytes and control tokens are never said: that keeps output valid UTF-8.
    expect(vocabulary.filter((t) => t.spoken && t.type !== 1)).toEqual([]);
  });

  it('pads to a real model size with unique synthetic words', () => {
    const vocabulary = llmVocabulary(20000);
    expect(vocabulary).toHaveLength(20000);
    expect(new Set(vocabulary.map((t) => t.text)).size).toBe(20000);
  });
});

describe('scripted whisper decoder', () => {
  it('lays out a path that wins every step, for tiny and base widths', () => {
    const words = SCRIPTED_WORDS.map((_, i) => 300 + i);
    for (const state of [64, 512]) {
      const design = designScriptedDecoder(state, words, new SeededRandom(1));
      expect(design.path).toEqual([
        WHISPER_IDS.firstTimestamp,
        ...words,
        WHISPER_IDS.lastTimestamp,
        WHISPER_IDS.eot,
      ]);
      // Values must fit f16 (max 65504) to survive the f16 token embedding.
      for (const row of design.rows.values()) {
        for (const x of row) expect(Math.abs(x)).toBeLessThan(60000);
      }
    }
    expect(new Set(SCRIPTED_WORDS).size).toBe(SCRIPTED_WORDS.length);
  });

  it('refuses a width too small for its words', () => {
    expect(() =>
      designScriptedDecoder(
        32,
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23],
        new SeededRandom(1),
      ),
    ).toThrow(/needs a state of at least/);
  });
});

describe('models synth', () => {
  it('writes a whisper.cpp file with the multilingual tiny header and a GGUF v3 file', () => {
    const models = synthModels({ outDir: join(scratch, 'a'), seed: 5 });
    const whisper = readFileSync(models.whisper);
    expect(whisper.readUInt32LE(0)).toBe(0x67676d6c);
    const hparams = Array.from({ length: 11 }, (_, i) => whisper.readInt32LE(4 + i * 4));
    expect(hparams).toEqual([51865, 1500, 64, 2, 1, 448, 64, 2, 1, 80, 1]);
    const gguf = readFileSync(models.llm);
    expect(gguf.subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(gguf.readUInt32LE(4)).toBe(3);
    // 3 whole-model tensors + 9 per block, 2 blocks.
    expect(gguf.readBigUInt64LE(8)).toBe(21n);
    expect(gguf.includes('tokenizer.chat_template')).toBe(true);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const first = synthModels({ outDir: join(scratch, 'b1'), seed: 42 });
    const again = synthModels({ outDir: join(scratch, 'b2'), seed: 42 });
    const other = synthModels({ outDir: join(scratch, 'b3'), seed: 43 });
    expect(sha256(again.whisper)).toBe(sha256(first.whisper));
    expect(sha256(again.llm)).toBe(sha256(first.llm));
    expect(sha256(other.whisper)).not.toBe(sha256(first.whisper));
    expect(sha256(other.llm)).not.toBe(sha256(first.llm));
    expect(sha256(again.segmentation)).toBe(sha256(first.segmentation));
    expect(sha256(again.voiceprint)).toBe(sha256(first.voiceprint));
    expect(sha256(other.voiceprint)).not.toBe(sha256(first.voiceprint));
  });

  it('writes ONNX speaker models with the metadata sherpa-onnx reads', () => {
    const models = synthModels({ outDir: join(scratch, 'onnx'), seed: 3 });
    expect(onnxMetadata(readFileSync(models.segmentation))).toMatchObject({
      sample_rate: '16000',
      window_size: '160000',
      receptive_field_size: '991',
      receptive_field_shift: '270',
      num_speakers: '3',
      powerset_max_classes: '2',
      num_classes: '7',
    });
    expect(onnxMetadata(readFileSync(models.voiceprint))).toMatchObject({
      framework: '3d-speaker',
      output_dim: '192',
      sample_rate: '16000',
      normalize_samples: '1',
    });
  });

  it('runs from the CLI and prints the paths', async () => {
    const out = join(scratch, 'cli');
    const result = await cli(['models', 'synth', '--out', out, '--seed', '9']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      join(out, SYNTH_FILES.whisper),
      join(out, SYNTH_FILES.llm),
      join(out, 'speakers', SPEAKER_SYNTH_FILES.segmentation),
      join(out, 'speakers', SPEAKER_SYNTH_FILES.embedding),
      join(out, 'speech', 'voice-synth.onnx'),
    ]);
  });

  it('refuses a missing --out with exit 2', async () => {
    const result = await cli(['models', 'synth']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--out DIR is required/);
  });

  it.each([['-1'], ['abc'], ['4294967296'], ['1.5']])(
    'refuses --seed %s with exit 2',
    async (seed) => {
      const result = await cli(['models', 'synth', '--out', join(scratch, 'x'), `--seed=${seed}`]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--seed takes a whole number from 0 to 4294967295/);
    },
  );

  it('refuses an unknown flag and a stray argument with exit 2', async () => {
    const flag = await cli(['models', 'synth', '--out', join(scratch, 'x'), '--big']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--big/);
    const stray = await cli(['models', 'synth', '--out', join(scratch, 'x'), 'extra']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/unexpected argument "extra"/);
  });

  it('fails with exit 1 and a clear reason when the folder cannot be written', async () => {
    const file = join(scratch, 'not-a-folder');
    writeFileSync(file, 'x');
    const result = await cli(['models', 'synth', '--out', join(file, 'models')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot write the generated models into .*not-a-folder/);
    expect(result.stderr).toMatch(/choose a folder you can write to/);
  });
});
