import { readFile } from 'node:fs/promises';
import { GreffierError } from '../errors.js';
import { onnxMetadata } from '../models/synth/onnx-file.js';

/**
 * Speakers from voices, for rooms with one microphone: sherpa-onnx cuts the
 * meeting into speech turns (a pyannote-style segmentation model), gives each
 * a voiceprint (a 3D-Speaker or WeSpeaker embedding model) and groups the
 * voiceprints into clusters, one per voice. The clerk then names the
 * clusters ("Intervenant A" → "Mme Martin").
 */

export type {
  Diarization,
  DiarizeOptions,
  DiarizeTiming,
  VoiceModels,
  VoiceSegment,
} from './voices-engine.js';
export {
  diarizeSamples,
  longestSpeech,
  sherpaEngine,
  VOICEPRINT_SPEECH_MS,
} from './voices-engine.js';
import type { VoiceModels } from './voices-engine.js';

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
