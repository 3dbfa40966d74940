import { createRequire } from 'node:module';
import { GreffierError } from '../errors.js';

/**
 * The speakers-from-voices engine itself: sherpa-onnx's diarization and
 * voiceprints, run in the voices worker (voices-worker.ts). Kept apart from
 * voices.ts, which also reads model files, so that the worker loads only this
 * file and errors.js: the packaged app unpacks these beside the worker
 * (electron-builder.yml, asarUnpack), and nothing else they import may live
 * only inside the asar.
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
