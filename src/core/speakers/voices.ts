import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { GreffierError } from '../errors.js';
import { onnxMetadata } from '../models/synth/onnx-file.js';

/**
 * Speakers from voices, for rooms with one microphone: sherpa-onnx cuts the
 * meeting into speech turns (a pyannote-style segmentation model), gives each
 * a voiceprint (a 3D-Speaker or WeSpeaker embedding model) and groups the
 * voiceprints into clusters, one per voice. The clerk then names the
 * clusters ("Intervenant A" → "Mme Martin").
 */

export interface VoiceModels {
  segmentation: string;
  voiceprint: string;
}

export interface DiarizeOptions {
  threads?: number;
  /** How many people spoke, when the clerk knows it; otherwise found from the threshold. */
  speakers?: number;
  /** Clustering distance threshold (sherpa-onnx's; larger gives fewer voices). */
  threshold?: number;
}

export interface VoiceSegment {
  startMs: number;
  endMs: number;
  /** 0-based cluster: the same number is the same voice within this meeting. */
  cluster: number;
}

export interface Diarization {
  segments: VoiceSegment[];
  /**
   * One voiceprint per cluster (its longest speech), for suggesting voices on
   * file; empty unless asked for (see runDiarizer).
   */
  voiceprints: { cluster: number; vector: number[] }[];
}

/** The metadata keys sherpa-onnx reads from each model: without one it stops the whole process. */
const REQUIRED: Record<keyof VoiceModels, string[]> = {
  segmentation: [
    'sample_rate',
    'window_size',
    'receptive_field_size',
    'receptive_field_shift',
    'num_speakers',
    'powerset_max_classes',
    'num_classes',
  ],
  voiceprint: ['framework', 'output_dim', 'sample_rate', 'normalize_samples', 'language'],
};

/**
 * Checks a model's metadata before the engine sees it: sherpa-onnx exits the
 * process on a missing key or an unknown framework, so a wrong file must be
 * refused here with a message that says which.
 */
export async function checkVoiceModel(path: string, kind: keyof VoiceModels): Promise<void> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new GreffierError(
      'model-missing',
      `the ${kind} model ${path} cannot be read (${error.code})`,
      {
        hint: 'check the path, or list the installed models with "greffier models list"',
      },
    );
  });
  let metadata: Record<string, string>;
  try {
    metadata = onnxMetadata(bytes);
  } catch {
    throw voiceModelError(path, kind, 'is not an ONNX model');
  }
  const missing = REQUIRED[kind].filter((key) => metadata[key] === undefined);
  if (missing.length) {
    throw voiceModelError(path, kind, `lacks the metadata ${missing.join(', ')}`);
  }
  if (kind === 'voiceprint' && !['wespeaker', '3d-speaker'].includes(metadata.framework!)) {
    throw voiceModelError(
      path,
      kind,
      `is a "${metadata.framework}" model, not 3D-Speaker or WeSpeaker`,
    );
  }
  if (metadata.sample_rate !== '16000') {
    throw voiceModelError(path, kind, `expects ${metadata.sample_rate} Hz audio, not 16000 Hz`);
  }
  if (kind === 'segmentation' && Number(metadata.powerset_max_classes) > 2) {
    throw voiceModelError(
      path,
      kind,
      'allows more than two speakers at once, which sherpa-onnx does not',
    );
  }
}

function voiceModelError(path: string, kind: keyof VoiceModels, problem: string): GreffierError {
  const want =
    kind === 'segmentation'
      ? 'a pyannote speaker-segmentation model exported for sherpa-onnx'
      : 'a 3D-Speaker or WeSpeaker speaker-embedding model exported for sherpa-onnx';
  return new GreffierError('voice-model-invalid', `${path} ${problem}`, {
    hint: `give ${want} (see "greffier models catalogue")`,
  });
}

interface SherpaSegment {
  start: number;
  end: number;
  speaker: number;
}

interface SherpaModule {
  OfflineSpeakerDiarization: new (config: unknown) => {
    sampleRate: number;
    process(samples: Float32Array): SherpaSegment[];
  };
  SpeakerEmbeddingExtractor: new (config: unknown) => {
    dim: number;
    createStream(): {
      acceptWaveform(input: { samples: Float32Array; sampleRate: number }): void;
      inputFinished(): void;
    };
    isReady(stream: unknown): boolean;
    compute(stream: unknown, external?: boolean): Float32Array;
  };
}

let sherpa: SherpaModule | undefined;

/** The engine, loaded on first use only (a native add-on; most meetings never need it). */
export function sherpaEngine(): SherpaModule {
  if (sherpa) return sherpa;
  try {
    sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as SherpaModule;
    return sherpa;
  } catch (error) {
    throw new GreffierError(
      'voice-engine-missing',
      `the speaker engine (sherpa-onnx) cannot be loaded: ${(error as Error).message}`,
      { hint: 'reinstall Greffier: its sherpa-onnx library is missing or damaged', cause: error },
    );
  }
}

const SAMPLE_RATE = 16_000;

type Diarizer = InstanceType<SherpaModule['OfflineSpeakerDiarization']> & {
  setConfig(config: { clustering: { numClusters: number; threshold: number } }): void;
};

/**
 * The diarization engine with its two models loaded: the costly start
 * (reading and preparing the models) apart from the run, so a worker can load
 * while the final pass still runs and be ready when the step starts.
 */
export function loadDiarizer(models: VoiceModels, threads = 1): Diarizer {
  const engine = sherpaEngine();
  const count = Math.max(1, threads);
  return new engine.OfflineSpeakerDiarization({
    segmentation: { pyannote: { model: models.segmentation }, numThreads: count, debug: 0 },
    embedding: { model: models.voiceprint, numThreads: count, debug: 0 },
    clustering: { numClusters: -1, threshold: 0.5 },
    minDurationOn: 0.3,
    minDurationOff: 0.5,
  }) as Diarizer;
}

/** What one run cost inside the engine, for the benchmark's account of the step. */
export interface DiarizeTiming {
  processMs: number;
  voiceprintMs: number;
}

/**
 * Runs a loaded diarizer on 16 kHz mono samples, in this thread (the voices
 * worker calls it, so the app stays responsive). Voiceprints are made only
 * when asked: they serve to compare with voices on file, and a meeting keeps
 * none otherwise (biometric data is made only when it has a use).
 */
export function runDiarizer(
  diarizer: Diarizer,
  samples: Float32Array,
  models: VoiceModels,
  options: DiarizeOptions & { voiceprints?: boolean } = {},
): Diarization & { timing: DiarizeTiming } {
  diarizer.setConfig({
    clustering: { numClusters: options.speakers ?? -1, threshold: options.threshold ?? 0.5 },
  });
  const started = performance.now();
  const raw = diarizer.process(samples);
  const processed = performance.now();
  const segments = raw
    .map((s) => ({
      startMs: Math.round(s.start * 1000),
      endMs: Math.round(s.end * 1000),
      cluster: s.speaker,
    }))
    .sort((a, b) => a.startMs - b.startMs);
  const voiceprints = options.voiceprints
    ? clusterVoiceprints(samples, segments, models, Math.max(1, options.threads ?? 1))
    : [];
  return {
    segments,
    voiceprints,
    timing: { processMs: processed - started, voiceprintMs: performance.now() - processed },
  };
}

/** Loads and runs in one go, in this thread (tests and one-off calls). */
export function diarizeSamples(
  samples: Float32Array,
  models: VoiceModels,
  options: DiarizeOptions & { voiceprints?: boolean } = {},
): Diarization {
  const { timing: _timing, ...result } = runDiarizer(
    loadDiarizer(models, options.threads),
    samples,
    models,
    options,
  );
  return result;
}

/** One voiceprint per cluster, from its longest turns (see VOICEPRINT_SPEECH_MS). */
function clusterVoiceprints(
  samples: Float32Array,
  segments: VoiceSegment[],
  models: VoiceModels,
  threads: number,
): Diarization['voiceprints'] {
  const clusters = [...new Set(segments.map((s) => s.cluster))].sort((a, b) => a - b);
  if (clusters.length === 0) return [];
  const extractor = new (sherpaEngine().SpeakerEmbeddingExtractor)({
    model: models.voiceprint,
    numThreads: threads,
    debug: 0,
  });
  const out: Diarization['voiceprints'] = [];
  for (const cluster of clusters) {
    const vector = voiceprintOf(
      extractor,
      samples,
      longestSpeech(segments.filter((s) => s.cluster === cluster)),
    );
    if (vector) out.push({ cluster, vector });
  }
  return out;
}

/**
 * A voiceprint needs tens of seconds of speech, not the whole meeting: the
 * voice's longest turns up to 30 s keep its cost a few per cent of the
 * diarization's whatever the meeting's length.
 */
export const VOICEPRINT_SPEECH_MS = 30_000;

export function longestSpeech<T extends { startMs: number; endMs: number }>(ranges: T[]): T[] {
  const chosen: T[] = [];
  let total = 0;
  for (const range of [...ranges].sort((a, b) => b.endMs - b.startMs - (a.endMs - a.startMs))) {
    if (total >= VOICEPRINT_SPEECH_MS) break;
    chosen.push(range);
    total += range.endMs - range.startMs;
  }
  return chosen.sort((a, b) => a.startMs - b.startMs);
}

type Extractor = InstanceType<SherpaModule['SpeakerEmbeddingExtractor']>;

function voiceprintOf(
  extractor: Extractor,
  samples: Float32Array,
  ranges: { startMs: number; endMs: number }[],
): number[] | undefined {
  const stream = extractor.createStream();
  for (const range of ranges) {
    const from = Math.max(0, Math.floor((range.startMs / 1000) * SAMPLE_RATE));
    const to = Math.min(samples.length, Math.ceil((range.endMs / 1000) * SAMPLE_RATE));
    if (to > from)
      stream.acceptWaveform({ samples: samples.slice(from, to), sampleRate: SAMPLE_RATE });
  }
  stream.inputFinished();
  if (!extractor.isReady(stream)) return undefined;
  return Array.from(extractor.compute(stream, false));
}

/** Voiceprints of given time ranges (a named speaker's turns), in this thread. */
export function voiceprintOfRanges(
  samples: Float32Array,
  ranges: { startMs: number; endMs: number }[],
  model: string,
  threads = 1,
): number[] | undefined {
  const extractor = new (sherpaEngine().SpeakerEmbeddingExtractor)({
    model,
    numThreads: threads,
    debug: 0,
  });
  return voiceprintOf(extractor, samples, ranges);
}

/** Cosine similarity of two voiceprints: 1 the same direction, 0 unrelated. */
export function voiceSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** The label a cluster gets until the clerk names it: « Intervenant A », B… (Speaker A in English). */
export function clusterLabel(cluster: number, language: string): string {
  const letter =
    cluster < 26
      ? String.fromCharCode(65 + cluster)
      : `${String.fromCharCode(65 + Math.floor(cluster / 26) - 1)}${String.fromCharCode(65 + (cluster % 26))}`;
  return language === 'en' ? `Speaker ${letter}` : `Intervenant ${letter}`;
}

/** The roster id of a cluster (stable within a meeting, apart from channel seats "chN"). */
export function clusterSpeakerId(cluster: number): string {
  return `voice${cluster + 1}`;
}
