import type { ModelKind } from '../../shared/meetings.js';

/**
 * Encoder-only architectures llama.cpp loads: they can only embed. Real
 * embedding GGUFs carry one of these (bge-m3 and multilingual-e5: bert;
 * nomic-embed: nomic-bert; jina: jina-bert-v2) or a decoder architecture
 * with a pooling type (Qwen3-Embedding: qwen3 with pooling "last").
 */
const ENCODER_ARCHITECTURES = /bert|^t5encoder$/;

// llama.cpp's LLAMA_POOLING_TYPE values, as {arch}.pooling_type stores them.
const POOLING_MEAN = 1;
const POOLING_LAST = 3;
const POOLING_RANK = 4;

/** The GGUF keys that decide; the rest (vocabularies of 150,000 tokens) is not even parsed. */
const SKIPPED_KEYS = [
  'tokenizer.ggml.tokens',
  'tokenizer.ggml.scores',
  'tokenizer.ggml.token_type',
  'tokenizer.ggml.merges',
];

/**
 * Tells an embedding model from a chat model by the GGUF metadata, never by
 * the file name: general.type (an adapter or projector is no model of ours),
 * the architecture's pooling type (set by the converters only for embedding
 * and reranking models), and the architecture itself (encoders embed).
 * Everything else is a language model; its chat template, when it has none,
 * is node-llama-cpp's concern.
 */
export async function ggufModelKind(
  path: string,
  signal?: AbortSignal,
): Promise<{ kind: ModelKind } | { reason: string }> {
  // Loaded on demand: the CLI's light commands do not pay for node-llama-cpp.
  const { readGgufFileInfo } = await import('node-llama-cpp');
  let info;
  try {
    info = await readGgufFileInfo(path, {
      sourceType: 'filesystem',
      readTensorInfo: false,
      logWarnings: false,
      ignoreKeys: SKIPPED_KEYS,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    signal?.throwIfAborted();
    return { reason: `a GGUF file whose metadata cannot be read (${(error as Error).message})` };
  }
  const general = info.metadata.general as { architecture?: string; type?: string };
  const architecture = String(general.architecture ?? '');
  if (general.type === 'adapter') return { reason: 'a GGUF adapter (LoRA), not a model' };
  if (general.type === 'mmproj' || architecture === 'clip') {
    return { reason: 'a GGUF vision projector, not a model' };
  }
  const pooling = Number(
    (info.architectureMetadata as { pooling_type?: number } | undefined)?.pooling_type ?? -1,
  );
  if (pooling === POOLING_RANK) {
    return { reason: 'a GGUF reranking model (pooling "rank"): Greffier has no use for one' };
  }
  if (pooling >= POOLING_MEAN && pooling <= POOLING_LAST) return { kind: 'embedding' };
  if (ENCODER_ARCHITECTURES.test(architecture)) return { kind: 'embedding' };
  return { kind: 'llm' };
}
