import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GreffierError } from '../../errors.js';
import { LLM_1_5B_SHAPE, LLM_TINY_SYNTH, writeLlmModel } from './gguf-file.js';
import { WHISPER_BASE_SHAPE, WHISPER_TINY_SYNTH, writeWhisperModel } from './whisper-file.js';
import { SPEAKER_SYNTH_FILES, writeSpeakerModels } from './speaker-models.js';
import { writeVoiceModel } from './voice-model.js';

export {
  EMBEDDING_TINY_SYNTH,
  LLM_1_5B_SHAPE,
  LLM_TINY_SYNTH,
  writeLlmModel,
  type LlmShape,
} from './gguf-file.js';
export {
  ENGLISH_VOICE,
  FRENCH_VOICE,
  VOICE_HOP,
  VOICE_SAMPLE_RATE,
  writeVoiceModel,
  type VoiceShape,
} from './voice-model.js';
export {
  WHISPER_BASE_SHAPE,
  WHISPER_TINY_SYNTH,
  writeWhisperModel,
  type WhisperShape,
} from './whisper-file.js';

export const SYNTH_FILES = {
  whisper: 'whisper-synth.bin',
  llm: 'llm-synth.gguf',
  whisperBench: 'whisper-synth-base.bin',
  llmBench: 'llm-synth-1.5b.gguf',
} as const;

export const DEFAULT_SYNTH_SEED = 1;

export interface SynthOptions {
  outDir: string;
  /** Real-dimension variants (whisper base, a 1.5 B-shaped LLM) instead of the tiny pair. */
  bench?: boolean;
  seed?: number;
  /** Called before each file is written, e.g. to tell the user what is happening. */
  onFile?: (path: string) => void;
}

export interface SynthResult {
  whisper: string;
  llm: string;
  /** ONNX speaker models for sherpa-onnx (pyannote-style, 3D-Speaker-style). */
  segmentation: string;
  voiceprint: string;
  /** A Piper-shaped French voice for sherpa-onnx's OfflineTts (its tokens.txt beside it). */
  speech: string;
}

/**
 * Writes a generated whisper model and a generated LLM into `outDir`. Same
 * seed, same bytes. The LLM gets a seed of its own so its weights do not
 * repeat the whisper ones.
 */
export function synthModels(options: SynthOptions): SynthResult {
  const seed = options.seed ?? DEFAULT_SYNTH_SEED;
  try {
    mkdirSync(options.outDir, { recursive: true });
    return writePair(options, seed);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new GreffierError(
      'synth-write',
      `cannot write the generated models into ${options.outDir} (${reason})`,
      { hint: 'choose a folder you can write to, with enough free space', cause: error },
    );
  }
}

function writePair(options: SynthOptions, seed: number): SynthResult {
  const whisper = join(
    options.outDir,
    options.bench ? SYNTH_FILES.whisperBench : SYNTH_FILES.whisper,
  );
  const llm = join(options.outDir, options.bench ? SYNTH_FILES.llmBench : SYNTH_FILES.llm);
  options.onFile?.(whisper);
  writeWhisperModel(whisper, options.bench ? WHISPER_BASE_SHAPE : WHISPER_TINY_SYNTH, seed);
  options.onFile?.(llm);
  writeLlmModel(llm, options.bench ? LLM_1_5B_SHAPE : LLM_TINY_SYNTH, (seed ^ 0x5bd1e995) >>> 0);
  // The speaker models (a few hundred kB) have one size: their cost is the engine's windows.
  // In a folder of their own, so importing the whisper/LLM folder does not turn diarization on.
  const speakers = join(options.outDir, 'speakers');
  mkdirSync(speakers, { recursive: true });
  const segmentation = join(speakers, SPEAKER_SYNTH_FILES.segmentation);
  const voiceprint = join(speakers, SPEAKER_SYNTH_FILES.embedding);
  options.onFile?.(segmentation);
  options.onFile?.(voiceprint);
  writeSpeakerModels({ segmentation, embedding: voiceprint }, (seed ^ 0x27d4eb2f) >>> 0);
  // The voice too has a folder of its own: tokens.txt must sit beside its model.
  const speechDir = join(options.outDir, 'speech');
  options.onFile?.(speechDir);
  const speech = writeVoiceModel(speechDir, (seed ^ 0x165667b1) >>> 0).model;
  return { whisper, llm, segmentation, voiceprint, speech };
}
export { quantizeWhisperModel, type WhisperQuantType } from './whisper-quantize.js';
