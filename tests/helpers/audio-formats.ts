import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, spokenWav, speechToolsMissing } from './fixtures.js';

/** About 20 s of French council speech (espeak-ng at 150 words a minute). */
export const SPEECH_20S =
  "Bonjour à tous. La séance du conseil municipal est ouverte. Nous examinons aujourd'hui le budget de la commune, la rénovation de l'école primaire et le plan de circulation du centre-ville. Madame la maire donne la parole au premier adjoint, qui présente les comptes de l'année écoulée. Les dépenses de fonctionnement ont baissé de trois pour cent.";

/** The formats clerks bring, each made by Debian's ffmpeg from the same WAV. */
export const ENCODINGS = {
  mp3: { ext: 'mp3', args: ['-c:a', 'libmp3lame', '-b:a', '64k'] },
  flac: { ext: 'flac', args: ['-c:a', 'flac'] },
  vorbis: { ext: 'ogg', args: ['-c:a', 'libvorbis'] },
  'ogg-opus': { ext: 'opus', args: ['-c:a', 'libopus', '-b:a', '32k'] },
  'webm-opus': { ext: 'webm', args: ['-c:a', 'libopus', '-b:a', '32k'] },
  'm4a-aac': { ext: 'm4a', args: ['-c:a', 'aac', '-b:a', '64k'] },
  // A videoconference export: a picture track (a flat colour) and the speech as AAC.
  'mp4-video': {
    ext: 'mp4',
    args: [
      '-f',
      'lavfi',
      '-i',
      'color=c=navy:s=160x120:r=5',
      '-shortest',
      '-c:v',
      'libx264',
      '-c:a',
      'aac',
    ],
  },
} as const;

export type Encoding = keyof typeof ENCODINGS;

let ffmpegReason: string | undefined | null = null;

/** Why the encoded fixtures cannot be made here (printed by the skips), or undefined. */
export function ffmpegMissing(): string | undefined {
  if (ffmpegReason !== null) return ffmpegReason;
  const probe = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  ffmpegReason =
    speechToolsMissing() ??
    (probe.error || probe.status !== 0
      ? 'ffmpeg not installed (apt-get install ffmpeg): encoded fixtures cannot be generated'
      : undefined);
  return ffmpegReason;
}

/** The 20 s source: 44.1 kHz stereo 16-bit WAV (a format that needs downmix and resampling). */
export function speechSource(): string {
  return spokenWav({ lang: 'fr', text: SPEECH_20S, variant: '44k-stereo-16bit' });
}

export function runTool(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.error || result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`,
    );
  }
  return result.stdout;
}

/** The source encoded with ffmpeg, made once into .cache/fixtures/ (written then renamed). */
export function encodedSpeech(encoding: Encoding): string {
  const { ext, args } = ENCODINGS[encoding];
  const path = join(fixturesDir(), `speech20-${encoding}.${ext}`);
  if (existsSync(path)) return path;
  const tmp = `${path}.${process.pid}.tmp.${ext}`;
  const video = encoding === 'mp4-video';
  try {
    runTool('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      ...(video ? args.slice(0, 4) : []),
      '-i',
      speechSource(),
      ...(video ? args.slice(4) : args),
      tmp,
    ]);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return path;
}

/** A copy of `source` cut at `fraction` of its length (a recorder that lost power). */
export function truncatedCopy(source: string, fraction: number, name: string): string {
  const bytes = readFileSync(source);
  const path = join(fixturesDir(), name);
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * fraction)));
  return path;
}

/** A copy with `length` bytes of deterministic garbage written over its middle (a bad sector). */
export function garbledCopy(source: string, length: number, name: string): string {
  const bytes = Buffer.from(readFileSync(source));
  const start = Math.floor(bytes.length / 2);
  let state = 12345;
  for (let i = start; i < Math.min(bytes.length, start + length); i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = state >> 16;
  }
  const path = join(fixturesDir(), name);
  writeFileSync(path, bytes);
  return path;
}

/** Duration in ms of what sox reads (the reference the imports are compared with). */
export function soxDurationMs(path: string): number {
  return Number(runTool('soxi', ['-D', path]).trim()) * 1000;
}
