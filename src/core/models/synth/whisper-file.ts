import { BinaryFileWriter } from './binary-writer.js';
import { SeededRandom } from './random.js';
import { designScriptedDecoder } from './whisper-decoder.js';
import { writeConstantF32, writeNormalF16, writeNormalF32, writeRowsF16 } from './tensor-data.js';
import { syntheticWhisperTokens } from './vocabulary.js';

/** Hyper-parameters of a whisper.cpp model file (legacy ggml format). */
export interface WhisperShape {
  /** 51865 makes a multilingual model (language tokens, `-l fr`). */
  vocab: number;
  audioCtx: number;
  audioState: number;
  audioHeads: number;
  audioLayers: number;
  textCtx: number;
  textState: number;
  textHeads: number;
  textLayers: number;
  mels: number;
  /**
   * 'scripted': confident decoder that always says the same words then ends
   * the window (realistic decoding cost, no temperature fallback); 'random':
   * every weight random (whisper.cpp retries each window five times).
   */
  decoder: 'scripted' | 'random';
}

export const WHISPER_TINY_SYNTH: WhisperShape = {
  vocab: 51865,
  audioCtx: 1500,
  audioState: 64,
  audioHeads: 2,
  audioLayers: 1,
  textCtx: 448,
  textState: 64,
  textHeads: 2,
  textLayers: 1,
  mels: 80,
  decoder: 'scripted',
};

/** The real whisper base dimensions, so benchmark speeds are true. */
export const WHISPER_BASE_SHAPE: WhisperShape = {
  vocab: 51865,
  audioCtx: 1500,
  audioState: 512,
  audioHeads: 8,
  audioLayers: 6,
  textCtx: 448,
  textState: 512,
  textHeads: 8,
  textLayers: 6,
  mels: 80,
  decoder: 'scripted',
};

const GGML_MAGIC = 0x67676d6c;
const FTYPE_F16 = 1;
const TYPE_F32 = 0;
const TYPE_F16 = 1;
// whisper.cpp appends its special and language tokens after the GPT-2 base.
const BASE_VOCAB = 50257;
const N_FFT_BINS = 201;
const SIGMA = 0.05;
// A scripted decoder's blocks are nearly silent so the token embedding steers it.
const QUIET_SIGMA = 0.001;

/** What the scripted decoder says in every 30 s window: distinct words of a council meeting. */
export const SCRIPTED_WORDS = `bonjour madame monsieur le maire donne la parole pour un point important
de ordre du jour sur budget commune et subvention association sportif vote conseil municipal
adopte unanimité merci président prochaine séance mardi matin salle mairie projet école travaux
voirie`.split(/\s+/);

/**
 * Writes a whisper.cpp model with seeded random weights; see
 * ../shared/whisper-format.md for the layout. whisper.cpp loads and runs it;
 * the words it produces are nonsense but the cost per window is real.
 */
export function writeWhisperModel(path: string, shape: WhisperShape, seed: number): void {
  const random = new SeededRandom(seed);
  const out = new BinaryFileWriter(path);
  try {
    out.u32(GGML_MAGIC);
    for (const value of [
      shape.vocab,
      shape.audioCtx,
      shape.audioState,
      shape.audioHeads,
      shape.audioLayers,
      shape.textCtx,
      shape.textState,
      shape.textHeads,
      shape.textLayers,
      shape.mels,
      FTYPE_F16,
    ]) {
      out.i32(value);
    }
    out.i32(shape.mels);
    out.i32(N_FFT_BINS);
    for (const value of melFilterBank(shape.mels, N_FFT_BINS)) out.f32(value);

    const tokens = syntheticWhisperTokens(BASE_VOCAB);
    const scripted =
      shape.decoder === 'scripted'
        ? designScriptedDecoder(shape.textState, scriptedWordIds(tokens), random)
        : undefined;
    out.i32(tokens.length);
    for (const token of tokens) {
      out.u32(token.length);
      out.bytes(token);
    }

    const tensor = (
      name: string,
      dims: number[],
      type: number,
      fill: 'random' | 'one' | 'zero' | 'quiet' | number,
    ) => {
      writeTensorHeader(out, name, dims, type);
      const count = dims.reduce((a, b) => a * b, 1);
      const sigma = fill === 'quiet' ? QUIET_SIGMA : SIGMA;
      if (typeof fill === 'number') writeConstantF32(out, count, fill);
      else if (fill === 'one') writeConstantF32(out, count, 1);
      else if (fill === 'zero') writeConstantF32(out, count, 0);
      else if (type === TYPE_F16) writeNormalF16(out, random, count, sigma);
      else writeNormalF32(out, random, count, sigma);
    };
    const norm = (prefix: string, state: number) => {
      tensor(`${prefix}.weight`, [state], TYPE_F32, 'one');
      tensor(`${prefix}.bias`, [state], TYPE_F32, 'zero');
    };
    type Fill = 'random' | 'quiet';
    const attention = (prefix: string, state: number, fill: Fill) => {
      for (const part of ['query', 'key', 'value', 'out']) {
        tensor(`${prefix}.${part}.weight`, [state, state], TYPE_F16, fill);
        // whisper has no key bias.
        if (part !== 'key') tensor(`${prefix}.${part}.bias`, [state], TYPE_F32, fill);
      }
    };
    const block = (prefix: string, state: number, cross: boolean, fill: Fill) => {
      norm(`${prefix}.mlp_ln`, state);
      tensor(`${prefix}.mlp.0.weight`, [state, 4 * state], TYPE_F16, fill);
      tensor(`${prefix}.mlp.0.bias`, [4 * state], TYPE_F32, fill);
      tensor(`${prefix}.mlp.2.weight`, [4 * state, state], TYPE_F16, fill);
      tensor(`${prefix}.mlp.2.bias`, [state], TYPE_F32, fill);
      norm(`${prefix}.attn_ln`, state);
      attention(`${prefix}.attn`, state, fill);
      if (cross) {
        norm(`${prefix}.cross_attn_ln`, state);
        attention(`${prefix}.cross_attn`, state, fill);
      }
    };

    const a = shape.audioState;
    tensor('encoder.positional_embedding', [a, shape.audioCtx], TYPE_F32, 'random');
    tensor('encoder.conv1.weight', [3, shape.mels, a], TYPE_F16, 'random');
    tensor('encoder.conv1.bias', [1, a], TYPE_F32, 'random');
    tensor('encoder.conv2.weight', [3, a, a], TYPE_F16, 'random');
    tensor('encoder.conv2.bias', [1, a], TYPE_F32, 'random');
    norm('encoder.ln_post', a);
    for (let i = 0; i < shape.audioLayers; i++) block(`encoder.blocks.${i}`, a, false, 'random');

    const t = shape.textState;
    const decoderFill: Fill = scripted ? 'quiet' : 'random';
    tensor('decoder.positional_embedding', [t, shape.textCtx], TYPE_F32, decoderFill);
    if (scripted) {
      writeTensorHeader(out, 'decoder.token_embedding.weight', [t, shape.vocab], TYPE_F16);
      writeRowsF16(out, random, t, shape.vocab, SIGMA, (row) => scripted.rows.get(row));
      tensor('decoder.ln.weight', [t], TYPE_F32, scripted.lnGain);
      tensor('decoder.ln.bias', [t], TYPE_F32, 'zero');
    } else {
      tensor('decoder.token_embedding.weight', [t, shape.vocab], TYPE_F16, 'random');
      norm('decoder.ln', t);
    }
    for (let i = 0; i < shape.textLayers; i++) block(`decoder.blocks.${i}`, t, true, decoderFill);
    out.close();
  } catch (error) {
    out.abandon();
    throw error;
  }
}

function writeTensorHeader(out: BinaryFileWriter, name: string, dims: number[], type: number) {
  const nameBytes = Buffer.from(name, 'utf8');
  out.i32(dims.length);
  out.i32(nameBytes.length);
  out.i32(type);
  for (const dim of dims) out.i32(dim);
  out.bytes(nameBytes);
}

/** Token ids of the scripted words, with their leading space as whisper writes words. */
function scriptedWordIds(tokens: Uint8Array[]): number[] {
  const ids = new Map<string, number>();
  tokens.forEach((bytes, id) => ids.set(Buffer.from(bytes).toString('utf8'), id));
  return SCRIPTED_WORDS.map((word) => {
    const id = ids.get(` ${word}`);
    if (id === undefined) throw new Error(`the generated whisper vocabulary lacks " ${word}"`);
    return id;
  });
}

/** A Slaney-style triangular mel filter bank for 16 kHz audio and a 400-sample FFT. */
function melFilterBank(mels: number, bins: number): Float32Array {
  const sampleRate = 16000;
  const toMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
  const toHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);
  const top = toMel(sampleRate / 2);
  const edges = Array.from({ length: mels + 2 }, (_, i) => toHz((top * i) / (mels + 1)));
  const filters = new Float32Array(mels * bins);
  for (let m = 0; m < mels; m++) {
    const left = edges[m] ?? 0;
    const centre = edges[m + 1] ?? 0;
    const right = edges[m + 2] ?? 0;
    const norm = 2 / (right - left);
    for (let b = 0; b < bins; b++) {
      const hz = (b * sampleRate) / (2 * (bins - 1));
      const rise = (hz - left) / (centre - left);
      const fall = (right - hz) / (right - centre);
      filters[m * bins + b] = Math.max(0, Math.min(rise, fall)) * norm;
    }
  }
  return filters;
}
