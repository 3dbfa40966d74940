import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { onnxMetadata } from '../models/synth/onnx-file.js';
import { voiceCompanions } from '../models/voice-companions.js';
import { GreffierError } from '../errors.js';
import { homePaths, resourcesRoot } from '../paths.js';
import { piperMetadata, preparePiperVoice, readPiperConfig } from './piper-voice.js';

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
 * Greffier's resources, then the system's (Debian/Ubuntu espeak-ng-data).
 */
export function espeakDataCandidates(
  model: string,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  return [
    join(dirname(model), 'espeak-ng-data'),
    ...(env.GREFFIER_ESPEAK_DATA ? [env.GREFFIER_ESPEAK_DATA] : []),
    join(resourcesRoot(env), 'espeak-ng-data'),
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
  'give a Piper voice: its .onnx with the .onnx.json published beside it (or a sherpa-onnx "vits-piper-…" voice with its tokens.txt)';

/** Where published Piper voices are made loadable: Greffier's own models folder. */
export function preparedVoicesDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(homePaths(env).models, 'prepared-voices');
}

/**
 * The files sherpa needs for the voice `model`, checked, in either layout:
 * a voice as Piper publishes it (model + model.onnx.json: a loadable copy is
 * prepared once, see piper-voice.ts), or one exported for sherpa-onnx
 * (metadata inside, tokens.txt beside). Throws speech-voice-missing,
 * speech-voice-invalid or speech-espeak-missing with what to do.
 */
export function voiceFiles(
  model: string,
  env: NodeJS.ProcessEnv = process.env,
): { files: VoiceFiles; info: VoiceInfo } {
  if (!existsSync(model) || !statSync(model).isFile()) {
    throw new GreffierError('speech-voice-missing', `the voice ${model} does not exist`, {
      hint: 'install a voice with "greffier models add <voice.onnx> --kind speech", or give its path',
    });
  }
  let metadata: Record<string, string>;
  try {
    metadata = onnxMetadata(readFileSync(model));
  } catch {
    throw invalid(model, 'is not an ONNX model', PIPER_HINT);
  }
  let loadable: { model: string; tokens: string };
  const companions = voiceCompanions(model);
  const config = companions.config;
  const missing = REQUIRED_KEYS.filter((key) => metadata[key] === undefined);
  if (missing.length > 0 && existsSync(config)) {
    const piper = readPiperConfig(config);
    metadata = Object.fromEntries(
      Object.entries(piperMetadata(piper)).map(([k, v]) => [k, String(v)]),
    );
    loadable = preparePiperVoice(model, piper, preparedVoicesDir(env));
  } else if (missing.length > 0) {
    throw invalid(
      model,
      `lacks the metadata sherpa-onnx reads (${missing.join(', ')}) and has no ${basename(config)} beside it`,
      PIPER_HINT,
    );
  } else {
    loadable = { model, tokens: join(dirname(model), 'tokens.txt') };
    if (!existsSync(loadable.tokens))
      throw invalid(model, 'has no tokens.txt beside it', PIPER_HINT);
  }
  if (!/piper|coqui|icefall/i.test(metadata.comment ?? '')) {
    throw invalid(model, 'is not a Piper (VITS) voice', PIPER_HINT);
  }
  const sampleRate = Number(metadata.sample_rate);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw invalid(model, `gives no usable sample rate (${metadata.sample_rate})`, PIPER_HINT);
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
    files: { ...loadable, dataDir },
    info: {
      sampleRate,
      language: metadata.language ?? '',
      espeakVoice: metadata.voice ?? '',
    },
  };
}

/** Whether a voice reads `language` (fr, en): its metadata's language or espeak-ng voice says so. */
export function speaksLanguage(info: VoiceInfo, language: 'fr' | 'en'): boolean {
  const names = language === 'fr' ? ['fr', 'french', 'français'] : ['en', 'english'];
  const said = [info.language.toLowerCase(), info.espeakVoice.toLowerCase()];
  return said.some((value) =>
    names.some(
      (name) => value === name || value.startsWith(`${name}-`) || value.startsWith(`${name}_`),
    ),
  );
}
