import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeWav16 } from '../../src/core/audio/wav.js';
import { projectRoot } from '../../src/core/paths.js';

/** Short meeting-like phrases, one per language, spoken by espeak-ng. */
export const PHRASES = {
  fr: "Bonjour à tous. La séance du conseil municipal est ouverte. Le premier point à l'ordre du jour concerne le budget de la commune.",
  en: 'Good morning everyone. The council meeting is now open. The first item on the agenda is the annual budget.',
} as const;

/**
 * How a spoken fixture is stored: the default is what whisper reads as it is;
 * the others exercise conversion (rate, channels, sample format).
 */
export type WavVariant =
  '16k-mono-16bit' | '44k-stereo-16bit' | '48k-mono-24bit' | '22k-mono-float' | '8k-mono-8bit';

const SOX_ARGS: Record<WavVariant, string[]> = {
  '16k-mono-16bit': ['-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer'],
  '44k-stereo-16bit': ['-r', '44100', '-c', '2', '-b', '16', '-e', 'signed-integer'],
  '48k-mono-24bit': ['-r', '48000', '-c', '1', '-b', '24', '-e', 'signed-integer'],
  '22k-mono-float': ['-r', '22050', '-c', '1', '-b', '32', '-e', 'floating-point'],
  '8k-mono-8bit': ['-r', '8000', '-c', '1', '-b', '8', '-e', 'unsigned-integer'],
};

export function fixturesDir(): string {
  const dir = join(projectRoot(), '.cache', 'fixtures');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function toolWorks(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

let toolsReason: string | undefined | null = null;

/**
 * Why spoken fixtures cannot be made here, or undefined when they can. Tests
 * use it in skipIf and print it, so a skip always says why.
 */
export function speechToolsMissing(): string | undefined {
  if (toolsReason !== null) return toolsReason;
  const missing = [
    toolWorks('espeak-ng', ['--version']) ? undefined : 'espeak-ng',
    toolWorks('sox', ['--version']) ? undefined : 'sox',
  ].filter(Boolean);
  toolsReason = missing.length
    ? `${missing.join(' and ')} not installed (apt-get install espeak-ng sox): spoken fixtures cannot be generated`
    : undefined;
  return toolsReason;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`,
    );
  }
}

/** Writes through a temporary name then renames: parallel test files never see half a WAV. */
function cached(name: string, make: (tmp: string) => void): string {
  const path = join(fixturesDir(), name);
  if (existsSync(path)) return path;
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.wav`;
  try {
    make(tmp);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return path;
}

export interface SpokenOptions {
  lang: 'fr' | 'en';
  text?: string;
  variant?: WavVariant;
  /** Repeat the text this many times (e.g. to make a 30 s benchmark recording). */
  repeat?: number;
}

/**
 * A WAV of synthetic speech (espeak-ng, then sox for the format), generated
 * once into .cache/fixtures/ and reused. Throws if the tools are missing:
 * guard with speechToolsMissing().
 */
export function spokenWav(options: SpokenOptions): string {
  const variant = options.variant ?? '16k-mono-16bit';
  const text = Array(options.repeat ?? 1)
    .fill(options.text ?? PHRASES[options.lang])
    .join(' ');
  // `repeatable`: sox dithers with a random seed unless told -R, and a fixture that differs
  // from one machine to the next changed what whisper decoded (final-carry passed by luck).
  const key = createHash('sha256')
    .update(`${options.lang}\n${variant}\n${text}\nrepeatable`)
    .digest('hex')
    .slice(0, 12);
  return cached(`speech-${options.lang}-${variant}-${key}.wav`, (tmp) => {
    const raw = `${tmp}.espeak.wav`;
    try {
      run('espeak-ng', ['-v', options.lang, '-s', '150', '-w', raw, text]);
      run('sox', ['-R', raw, ...SOX_ARGS[variant], tmp]);
    } finally {
      rmSync(raw, { force: true });
    }
  });
}

/** Digital silence, 16 kHz mono 16-bit, made with our own encoder (no tools needed). */
export function silenceWav(seconds: number): string {
  return cached(`silence-${seconds}s.wav`, (tmp) => {
    writeFileSync(tmp, encodeWav16(new Float32Array(Math.round(seconds * 16000)), 16000));
  });
}

/** A sine tone (no speech), for level meters and VAD negatives. */
export function toneWav(seconds: number, hz = 440, sampleRate = 16000): string {
  return cached(`tone-${hz}hz-${seconds}s-${sampleRate}.wav`, (tmp) => {
    const samples = new Float32Array(Math.round(seconds * sampleRate));
    for (let i = 0; i < samples.length; i++)
      samples[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / sampleRate);
    writeFileSync(tmp, encodeWav16(samples, sampleRate));
  });
}

/**
 * Real files every developer and CI have in ../shared/models (GREFFIER_SHARED_MODELS
 * overrides): jfk.wav (11 s of real speech) and ggml-silero-v6.2.0.bin (the
 * real Silero VAD). Undefined when absent: tests skip and say why.
 */
export function sharedModelsDir(): string {
  if (process.env.GREFFIER_SHARED_MODELS) return process.env.GREFFIER_SHARED_MODELS;
  // A CI clone may live anywhere; the team's shared folder is also at a fixed place.
  const candidates = [resolve(projectRoot(), '..', 'shared', 'models'), '/work/shared/models'];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]!;
}

export function sharedFile(name: 'jfk.wav' | 'ggml-silero-v6.2.0.bin'): string | undefined {
  const path = join(sharedModelsDir(), name);
  return existsSync(path) ? path : undefined;
}

export function sharedFileMissing(name: 'jfk.wav' | 'ggml-silero-v6.2.0.bin'): string | undefined {
  return sharedFile(name)
    ? undefined
    : `${name} not found in ${sharedModelsDir()} (set GREFFIER_SHARED_MODELS to the folder that holds it)`;
}
