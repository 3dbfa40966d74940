import {
  getLlama,
  LlamaChatSession,
  LlamaCompletion,
  LlamaLogLevel,
  type Llama,
  type LlamaModel,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LLM_1_5B_SHAPE, writeLlmModel, type LlmShape } from '../../src/core/models/synth/index.js';
import { commonWords } from '../../src/core/models/synth/vocabulary.js';
import { testModels } from '../helpers/models.js';

// The real node-llama-cpp (3.21.1, CPU build) on the generated tiny GGUF.
// One thread: on a 64-wide model, llama.cpp's two-thread pool spends far more
// time waiting for a busy second core than computing (330 vs 1 ms a token
// measured on this shared 2-core machine).
const THREADS = 1;
let llama: Llama;
let model: LlamaModel;

beforeAll(async () => {
  const { llm } = await testModels();
  llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath: llm });
});

afterAll(async () => {
  await model?.dispose();
  await llama?.dispose();
});

const known = new Set([...commonWords(), ',', '.']);

/** Every word of a completion must come from the generated vocabulary's word list. */
function unknownWords(text: string): string[] {
  return text
    .split(/\s+/)
    .filter((word) => word.length > 0)
    .filter((word) => !known.has(word) && ![...word].every((c) => c === ',' || c === '.'));
}

describe('generated LLM through node-llama-cpp', () => {
  it('loads with the generated dimensions and vocabulary', () => {
    expect(model.fileInsights.trainContextSize).toBe(4096);
    expect(model.embeddingVectorSize).toBe(64);
    // French with accents and a newline tokenizes (byte fallback covers the rest).
    const tokens = model.tokenize('Séance du conseil municipal\nLe budget est adopté.');
    expect(tokens.length).toBeGreaterThan(3);
    expect(model.detokenize(tokens)).toBe('Séance du conseil municipal\nLe budget est adopté.');
  });

  it('completes text with whole words', async () => {
    const context = await model.createContext({ contextSize: 256, threads: THREADS });
    try {
      const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
      const text = await completion.generateCompletion('Le conseil municipal', {
        maxTokens: 12,
        temperature: 0,
      });
      expect(text.trim().split(/\s+/).length).toBeGreaterThanOrEqual(3);
      expect(unknownWords(text)).toEqual([]);
    } finally {
      await context.dispose();
    }
  });

  it('answers in a chat session through its ChatML template', async () => {
    const context = await model.createContext({ contextSize: 512, threads: THREADS });
    try {
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      expect(session.chatWrapper.wrapperName).toBe('ChatML');
      const answer = await session.prompt('Quelles décisions ?', { maxTokens: 10, temperature: 0 });
      expect(answer.trim().length).toBeGreaterThan(0);
      expect(unknownWords(answer)).toEqual([]);
    } finally {
      await context.dispose();
    }
  });

  it('produces JSON that parses when a bounded JSON schema grammar constrains it', async () => {
    const grammar = await llama.createGrammarForJsonSchema({
      type: 'object',
      properties: {
        title: { type: 'string', maxLength: 60 },
        decisions: { type: 'array', maxItems: 3, items: { type: 'string', maxLength: 40 } },
      },
      required: ['title', 'decisions'],
    } as const);
    const context = await model.createContext({ contextSize: 1024, threads: THREADS });
    try {
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      const raw = await session.prompt('Résume la séance.', {
        grammar,
        maxTokens: 300,
        temperature: 0,
      });
      const parsed = grammar.parse(raw);
      expect(typeof parsed.title).toBe('string');
      expect(parsed.title.length).toBeLessThanOrEqual(60);
      expect(Array.isArray(parsed.decisions)).toBe(true);
      expect(JSON.parse(raw)).toEqual(parsed);
    } finally {
      await context.dispose();
    }
  });

  it('gives embedding vectors of the model width that differ between texts', async () => {
    const context = await model.createEmbeddingContext({ contextSize: 256, threads: THREADS });
    try {
      const a = await context.getEmbeddingFor('le budget de la commune');
      const b = await context.getEmbeddingFor('the council approved the minutes');
      expect(a.vector).toHaveLength(64);
      expect(a.vector.every((x) => Number.isFinite(x))).toBe(true);
      expect(a.vector).not.toEqual(b.vector);
    } finally {
      await context.dispose();
    }
  });
});

describe('the Q4_0 layout used by the 1.5 B benchmark model', () => {
  // Same writer and tensor types as --bench (Q4_0 matrices, padded synthetic
  // vocabulary), at a size a test can afford: proves llama.cpp reads our Q4_0 blocks.
  const shape: LlmShape = {
    ...LLM_1_5B_SHAPE,
    name: 'q4-layout-test',
    embedding: 128,
    blocks: 2,
    feedForward: 256,
    heads: 4,
    kvHeads: 2,
    context: 2048,
    vocabularySize: 6000,
  };
  const dir = mkdtempSync(join(tmpdir(), 'greffier-q4-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads, reports its size and completes with whole words', async () => {
    const path = join(dir, 'q4.gguf');
    writeLlmModel(path, shape, 7);
    const q4 = await llama.loadModel({ modelPath: path });
    try {
      expect(q4.embeddingVectorSize).toBe(128);
      expect(q4.fileInfo.metadata.tokenizer.ggml.tokens).toHaveLength(6000);
      const context = await q4.createContext({ contextSize: 256, threads: THREADS });
      const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
      const text = await completion.generateCompletion('Le budget', {
        maxTokens: 8,
        temperature: 0,
      });
      expect(text.trim().length).toBeGreaterThan(0);
      // Every generated piece is a whole word: common or synthetic, never bytes.
      expect(text).toMatch(/^[\p{L} ,.'-]+$/u);
      await context.dispose();
    } finally {
      await q4.dispose();
    }
  });
});
