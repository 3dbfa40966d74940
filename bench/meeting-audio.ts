// The transcription bench's meeting: French espeak-ng speech and pauses
// (about 62 % speech, 38 % pauses, like the recording issue 16 measured),
// any length, the same samples every run (seeded pauses).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav, encodeWav16 } from '../src/core/audio/index.js';
import { SeededRandom } from '../src/core/models/synth/random.js';
import {
  quantizeWhisperModel,
  WHISPER_BASE_SHAPE,
  writeWhisperModel,
  type WhisperQuantType,
} from '../src/core/models/synth/index.js';
import { projectRoot } from '../src/core/paths.js';
import { fixturesDir, spokenWav } from '../tests/helpers/fixtures.js';

const SENTENCES = [
  'Bonjour à tous. La séance du conseil municipal est ouverte.',
  "Le premier point à l'ordre du jour concerne le budget de la commune pour l'année prochaine.",
  "Madame Martin propose d'augmenter la subvention de l'association sportive de deux mille euros.",
  "Monsieur le maire rappelle que les travaux de voirie de la rue de l'école commenceront en mars.",
  "Je mets la délibération aux voix. Qui est pour ? Qui est contre ? Qui s'abstient ?",
  "La délibération est adoptée à l'unanimité des membres présents.",
  'Nous passons au point suivant : la cantine scolaire et le prix des repas.',
  'La prochaine séance aura lieu mardi prochain à dix-huit heures, salle de la mairie.',
];

/** 16 kHz mono samples of the bench meeting, `minutes` long, cached as a WAV. */
export function meetingWav(minutes: number): string {
  const path = join(fixturesDir(), `bench-meeting-fr-v2-${minutes}min.wav`);
  if (existsSync(path)) return path;
  const clips = SENTENCES.map(
    (text) => decodeWav(readFileSync(spokenWav({ lang: 'fr', text }))).channels[0]!,
  );
  const total = Math.round(minutes * 60 * 16000);
  const out = new Float32Array(total);
  const random = new SeededRandom(16);
  let at = 0;
  let n = 0;
  while (at < total) {
    const clip = clips[n++ % clips.length]!;
    out.set(clip.subarray(0, Math.min(clip.length, total - at)), at);
    at += clip.length;
    // Pauses of 0.8–4 s: with ~5.5 s sentences, about 38 % of the meeting is pauses.
    at += Math.round((0.8 + random.nextFloat() * 3.2) * 16000);
  }
  writeFileSync(path, encodeWav16(out, 16000));
  return path;
}

/** The meeting's samples as 16-bit, one-second chunks (what the recorder sends). */
export function meetingSamples(path: string): Int16Array {
  const floats = decodeWav(readFileSync(path)).channels[0]!;
  const out = new Int16Array(floats.length);
  for (let i = 0; i < floats.length; i++) {
    out[i] = Math.max(-32768, Math.min(32767, Math.round(floats[i]! * 32767)));
  }
  return out;
}

/** Share of the samples in 100 ms frames that are not silent (speech). */
export function speechShare(samples: Int16Array): number {
  let speech = 0;
  let frames = 0;
  for (let f = 0; f + 1600 <= samples.length; f += 1600, frames++) {
    if (samples.subarray(f, f + 1600).some((s) => Math.abs(s) > 100)) speech++;
  }
  return speech / Math.max(1, frames);
}

/** The base-dimension generated whisper model (f16) and its quantised copies, written once. */
export function benchWhisperModels(): Record<'f16' | WhisperQuantType, string> {
  const dir = join(projectRoot(), '.cache', 'bench-transcribe');
  mkdirSync(dir, { recursive: true });
  const f16 = join(dir, 'whisper-base-f16.bin');
  if (!existsSync(f16)) writeWhisperModel(f16, WHISPER_BASE_SHAPE, 1);
  const quantised = (kind: WhisperQuantType) => {
    const path = join(dir, `whisper-base-${kind}.bin`);
    if (!existsSync(path)) quantizeWhisperModel(f16, path, kind);
    return path;
  };
  return { f16, q8_0: quantised('q8_0'), q5_1: quantised('q5_1') };
}
