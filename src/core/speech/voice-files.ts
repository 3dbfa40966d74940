import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { onnxMetadata } from '../models/synth/onnx-file.js';
import { GreffierError } from '../errors.js';

/**
 * What sherpa-onnx's OfflineTts needs to speak with a Piper (VITS) voice:
 * the ONNX model, its phoneme list (tokens.txt) and espeak-ng's data folder
 * (the engine phonemises the text with espeak-ng before the model runs).
 * Sherpa ends the whole process when a model lacks the metadata it reads,
 * so a file is checked here first and refused with a clear error instead.
 */
export interface VoiceFiles {
  model: string;
  tokens: string;
  /** espeak-ng-data folder. */
  dataDir: string;
}

export interface VoiceInfo {
  sampleRate: number;
  /** The model's language as its metadata says (French, English). */
  language: string;
  /** The espeak-ng voice that phonemises (fr, en-us). */
  espeakVoice: string;
}

/** Keys sherpa reads without a default: a model missing one would stop the process. */
const REQUIRED_KEYS = ['sample_rate', 'n_speakers', 'language', 'comment'] as const;

/**
 * The espeak-ng data folders tried in order: one beside the voice (the layout
 * of sherpa's voice archives), then the one GREFFIER_ESPEAK_DATA names, then
 * the system's (Debian/Ubuntu espeak-ng-data package).
 */
export function espeakDataCandidates(
  model: string,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  return [
    join(dirname(model), 'espeak-ng-data'),
    ...(env.GREFFIER_ESPEAK_DATA ? [env.GREFFIER_ESPEAK_DATA] : []),
    '/usr/lib/x86_64-linux-gnu/espeak-ng-data',
    '/usr/lib/aarch64-linux-gnu/espeak-ng-data',
    '/usr/share/espeak-ng-data',
  ];
}

function isEspeakData(dir: string): boolean {
  return existsSync(join(dir, 'phontab')) && existsSync(join(dir, 'phondata'));
}

function invalid(model: string, problem: string, hint: string): GreffierError {
  return new GreffierError('speech-voice-invalid', `the voice ${model} ${problem}`, { hint });
}

const PIPER_HINT =
  'give a Piper voice exported for sherpa-onnx (the .onnx of a "vits-piper-…" archive, with its tokens.txt and espeak-ng-data beside it)';

/**
 * The files for a voice model, checked: the model exists and carries the
 * Piper metadata sherpa reads, tokens.txt lies beside it, and an espeak-ng
 * data folder is found. Throws `speech-voice-invalid` otherwise.
 */
export function voiceFiles(
  model: string,
  env: NodeJS.ProcessEnv = process.env,
): { files: VoiceFiles; info: VoiceInfo } {
  if (!existsSync(model) || !statSync(model).isFile()) {
    throw new GreffierError('speech-voice-missing', `the voice ${model} does not exist`, {
      hint: 'install a voice with "greffier models add <file> --kind speech", or give its path',
    });
  }
  let metadata: Record<string, string>;
  try {
    metadata = onnxMetadata(readFileSync(model));
  } catch {
    throw invalid(model, 'is not an ONNX model', PIPER_HINT);
  }
  const missing = REQUIRED_KEYS.filter((key) => metadata[key] === undefined);
  if (missing.length > 0) {
    throw invalid(
      model,
      `lacks the metadata sherpa-onnx reads (${missing.join(', ')}): it is not a voice exported for sherpa-onnx`,
      PIPER_HINT,
    );
  }
  if (!/piper|coqui|icefall/i.test(metadata.comment ?? '')) {
    throw invalid(model, 'is not a Piper (VITS) voice', PIPER_HINT);
  }
  const sampleRate = Number(metadata.sample_rate);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw invalid(model, `gives no usable sample rate (${metadata.sample_rate})`, PIPER_HINT);
  }
  const tokens = join(dirname(model), 'tokens.txt');
  if (!existsSync(tokens)) {
    throw invalid(model, 'has no tokens.txt beside it', PIPER_HINT);
  }
  const dataDir = espeakDataCandidates(model, env).find(isEspeakData);
  if (!dataDir) {
    throw new GreffierError(
      'speech-espeak-missing',
      'espeak-ng data (needed to read text aloud with a Piper voice) was not found',
      {
        hint: 'put the espeak-ng-data folder beside the voice, install espeak-ng-data, or set GREFFIER_ESPEAK_DATA',
      },
    );
  }
  return {
    files: { model, tokens, dataDir },
    info: {
      sampleRate,
      language: metadata.language ?? '',
      espeakVoice: metadata.voice ?? '',
    },
  };
}
