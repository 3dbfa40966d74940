import { BinaryFileWriter } from './binary-writer.js';
import { SeededRandom } from './random.js';
import {
  Q4_0_BLOCK_BYTES,
  Q4_0_BLOCK_VALUES,
  writeConstantF32,
  writeNormalF32,
  writeRowsF32,
  writeRowsQ4_0,
} from './tensor-data.js';
import { llmVocabulary, type LlmToken } from './vocabulary.js';

/** Dimensions of a generated llama-architecture model. */
export interface LlmShape {
  name: string;
  embedding: number;
  blocks: number;
  feedForward: number;
  heads: number;
  kvHeads: number;
  context: number;
  /** Pad the vocabulary with synthetic words up to this size (0: words only). */
  vocabularySize: number;
  /** Big matrices in f32 (tiny test models) or Q4_0 blocks (realistic size and speed). */
  matrices: 'f32' | 'q4_0';
  ropeFreqBase: number;
  rmsEpsilon: number;
  /**
   * An embedding model instead of a chat model: the GGUF says so the way
   * llama.cpp's converters do for decoder-based embedders (Qwen3-Embedding):
   * a pooling type, general.type "model", and no chat template.
   */
  pooling?: 'mean' | 'last';
}

export const LLM_TINY_SYNTH: LlmShape = {
  name: 'greffier-llm-synth',
  embedding: 64,
  blocks: 2,
  feedForward: 192,
  heads: 4,
  kvHeads: 2,
  context: 4096,
  vocabularySize: 0,
  matrices: 'f32',
  ropeFreqBase: 10000,
  rmsEpsilon: 1e-5,
};

/** The tiny model written as an embedding model (mean pooling, no chat template). */
export const EMBEDDING_TINY_SYNTH: LlmShape = {
  ...LLM_TINY_SYNTH,
  name: 'greffier-embedding-synth',
  pooling: 'mean',
};

/** Shaped like Qwen2.5-1.5B (without its biases), so benchmark speeds are true. */
export const LLM_1_5B_SHAPE: LlmShape = {
  name: 'greffier-llm-synth-1.5b',
  embedding: 1536,
  blocks: 28,
  feedForward: 8960,
  heads: 12,
  kvHeads: 2,
  context: 32768,
  vocabularySize: 151936,
  matrices: 'q4_0',
  ropeFreqBase: 1_000_000,
  rmsEpsilon: 1e-6,
};

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const GGUF_VERSION = 3;
const ALIGNMENT = 32;
const SIGMA = 0.05;

enum ValueType {
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
}
enum TensorType {
  F32 = 0,
  Q4_0 = 2,
}
// llama.cpp's LLAMA_POOLING_TYPE values for {arch}.pooling_type.
const POOLING_TYPE = { mean: 1, last: 3 } as const;
// llama.cpp's LLAMA_FTYPE values for general.file_type.
const FILE_TYPE = { f32: 0, q4_0: 2 } as const;

// ChatML, the template Qwen and many other GGUF files carry: node-llama-cpp
// recognises it and picks its ChatML wrapper.
const CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

type MetadataValue =
  | { type: ValueType.Uint32 | ValueType.Int32 | ValueType.Float32; value: number }
  | { type: ValueType.Bool; value: boolean }
  | { type: ValueType.String; value: string }
  | { type: ValueType.Array; items: ValueType.String; value: string[] }
  | { type: ValueType.Array; items: ValueType.Float32 | ValueType.Int32; value: number[] };

interface TensorPlan {
  name: string;
  /** ggml order, innermost first. */
  dims: number[];
  type: TensorType;
  fill: (out: BinaryFileWriter) => void;
}

/**
 * Writes a GGUF v3 llama-architecture model with seeded random weights.
 * Rows of the output matrix for tokens the model should never say (byte,
 * control and word-piece tokens) are zero, so greedy sampling stays on whole
 * words: sampled byte tokens make broken UTF-8 that confuses grammar lengths.
 */
export function writeLlmModel(path: string, shape: LlmShape, seed: number): void {
  const random = new SeededRandom(seed);
  const vocabulary = llmVocabulary(shape.vocabularySize);
  const tokenId = (text: string): number => {
    const id = vocabulary.findIndex((token) => token.text === text);
    if (id < 0) throw new Error(`the generated vocabulary lacks ${text}`);
    return id;
  };
  const metadata: [string, MetadataValue][] = [
    ['general.architecture', str('llama')],
    ['general.type', str('model')],
    ['general.name', str(shape.name)],
    ['general.file_type', u32(FILE_TYPE[shape.matrices])],
    ['general.alignment', u32(ALIGNMENT)],
    ['llama.context_length', u32(shape.context)],
    ['llama.embedding_length', u32(shape.embedding)],
    ['llama.block_count', u32(shape.blocks)],
    ['llama.feed_forward_length', u32(shape.feedForward)],
    ['llama.attention.head_count', u32(shape.heads)],
    ['llama.attention.head_count_kv', u32(shape.kvHeads)],
    ['llama.rope.dimension_count', u32(shape.embedding / shape.heads)],
    ['llama.rope.freq_base', f32(shape.ropeFreqBase)],
    ['llama.attention.layer_norm_rms_epsilon', f32(shape.rmsEpsilon)],
    ['llama.vocab_size', u32(vocabulary.length)],
    ['tokenizer.ggml.model', str('llama')],
    [
      'tokenizer.ggml.tokens',
      { type: ValueType.Array, items: ValueType.String, value: vocabulary.map((t) => t.text) },
    ],
    [
      'tokenizer.ggml.scores',
      { type: ValueType.Array, items: ValueType.Float32, value: vocabulary.map((t) => t.score) },
    ],
    [
      'tokenizer.ggml.token_type',
      { type: ValueType.Array, items: ValueType.Int32, value: vocabulary.map((t) => t.type) },
    ],
    ['tokenizer.ggml.unknown_token_id', u32(tokenId('<unk>'))],
    ['tokenizer.ggml.bos_token_id', u32(tokenId('<s>'))],
    ['tokenizer.ggml.eos_token_id', u32(tokenId('<|im_end|>'))],
    ['tokenizer.ggml.add_bos_token', { type: ValueType.Bool, value: true }],
    ['tokenizer.ggml.add_eos_token', { type: ValueType.Bool, value: false }],
    ...(shape.pooling
      ? ([['llama.pooling_type', u32(POOLING_TYPE[shape.pooling])]] as [string, MetadataValue][])
      : ([['tokenizer.chat_template', str(CHAT_TEMPLATE)]] as [string, MetadataValue][])),
  ];

  const e = shape.embedding;
  const v = vocabulary.length;
  const kv = (e / shape.heads) * shape.kvHeads;
  const matrixType = shape.matrices === 'q4_0' ? TensorType.Q4_0 : TensorType.F32;
  const matrix = (name: string, rowLength: number, rows: number, silent?: (row: number) => boolean) =>
    ({
      name,
      dims: [rowLength, rows],
      type: matrixType,
      fill: (out) =>
        matrixType === TensorType.Q4_0
          ? writeRowsQ4_0(out, random, rowLength, rows, SIGMA, silent)
          : silent
            ? writeRowsF32(out, random, rowLength, rows, SIGMA, silent)
            : writeNormalF32(out, random, rowLength * rows, SIGMA),
    }) satisfies TensorPlan;
  const norm = (name: string): TensorPlan => ({
    name,
    dims: [e],
    type: TensorType.F32,
    fill: (out) => writeConstantF32(out, e, 1),
  });
  const silentRow = (row: number) => !isSpoken(vocabulary[row]);

  const tensors: TensorPlan[] = [matrix('token_embd.weight', e, v), norm('output_norm.weight')];
  tensors.push(matrix('output.weight', e, v, silentRow));
  for (let b = 0; b < shape.blocks; b++) {
    const p = `blk.${b}`;
    tensors.push(
      norm(`${p}.attn_norm.weight`),
      matrix(`${p}.attn_q.weight`, e, e),
      matrix(`${p}.attn_k.weight`, e, kv),
      matrix(`${p}.attn_v.weight`, e, kv),
      matrix(`${p}.attn_output.weight`, e, e),
      norm(`${p}.ffn_norm.weight`),
      matrix(`${p}.ffn_gate.weight`, e, shape.feedForward),
      matrix(`${p}.ffn_up.weight`, e, shape.feedForward),
      matrix(`${p}.ffn_down.weight`, shape.feedForward, e),
    );
  }

  const out = new BinaryFileWriter(path);
  try {
    out.u32(GGUF_MAGIC);
    out.u32(GGUF_VERSION);
    out.u64(tensors.length);
    out.u64(metadata.length);
    for (const [key, value] of metadata) {
      writeString(out, key);
      writeValue(out, value);
    }
    let offset = 0;
    for (const tensor of tensors) {
      writeString(out, tensor.name);
      out.u32(tensor.dims.length);
      for (const dim of tensor.dims) out.u64(dim);
      out.u32(tensor.type);
      out.u64(offset);
      offset += alignUp(tensorBytes(tensor), ALIGNMENT);
    }
    out.pad(ALIGNMENT);
    for (const tensor of tensors) {
      tensor.fill(out);
      out.pad(ALIGNMENT);
    }
    out.close();
  } catch (error) {
    out.abandon();
    throw error;
  }
}

function isSpoken(token: LlmToken | undefined): boolean {
  return token?.spoken ?? false;
}

function tensorBytes(tensor: TensorPlan): number {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  return tensor.type === TensorType.Q4_0
    ? (count / Q4_0_BLOCK_VALUES) * Q4_0_BLOCK_BYTES
    : count * 4;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function str(value: string): MetadataValue {
  return { type: ValueType.String, value };
}
function u32(value: number): MetadataValue {
  return { type: ValueType.Uint32, value };
}
function f32(value: number): MetadataValue {
  return { type: ValueType.Float32, value };
}

function writeString(out: BinaryFileWriter, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  out.u64(bytes.length);
  out.bytes(bytes);
}

function writeValue(out: BinaryFileWriter, value: MetadataValue): void {
  out.u32(value.type);
  switch (value.type) {
    case ValueType.Uint32:
      out.u32(value.value);
      break;
    case ValueType.Int32:
      out.i32(value.value);
      break;
    case ValueType.Float32:
      out.f32(value.value);
      break;
    case ValueType.Bool:
      out.u8(value.value ? 1 : 0);
      break;
    case ValueType.String:
      writeString(out, value.value);
      break;
    case ValueType.Array:
      out.u32(value.items);
      out.u64(value.value.length);
      for (const item of value.value) {
        if (value.items === ValueType.String) writeString(out, item as string);
        else if (value.items === ValueType.Float32) out.f32(item as number);
        else out.i32(item as number);
      }
      break;
  }
}
