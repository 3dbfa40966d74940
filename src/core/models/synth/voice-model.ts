import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeOnnx, type OnnxGraph } from './onnx-file.js';
import { SeededRandom } from './random.js';

/**
 * A generated voice in the shape of a Piper (VITS) voice as sherpa-onnx's
 * OfflineTts loads it: phoneme ids in (`input`, `input_lengths`, and the
 * three `scales`: noise, length, noise_w), a waveform out, the metadata keys
 * the engine reads (`comment` naming piper, `sample_rate`, `n_speakers`,
 * `language`, `voice` — the espeak-ng voice used to phonemise) and its
 * phonemes, written as Piper publishes voices or as sherpa's archives hold
 * them (see writeVoiceModel). Each token id plays a short seeded tone, so the
 * audio lasts in proportion to the phonemes and to the length scale (the
 * speaking rate), like a real voice; it sounds like beeps, not speech.
 */

export const VOICE_SAMPLE_RATE = 22_050;
/** Samples per token: with Piper's pad between phonemes, about 90 ms per phoneme. */
export const VOICE_HOP = 1_000;

/**
 * Piper's phoneme alphabet as sherpa reads it: `_` pads, `^` begins, `$`
 * ends, then space, punctuation, Latin letters and the IPA symbols espeak-ng
 * writes for French and English. One symbol per line; a phoneme missing
 * here is skipped by the engine, never fatal.
 */
const PHONEMES = [
  '_',
  '^',
  '$',
  ' ',
  ...'!\'(),-.:;?',
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'æçðøŋœɐɑɒɔəɚɛɜɟɡɣɥɪɫɬɲɳɹɾʁʃʊʌʎʏʒʔʲˈˌːβθχᵻ',
  '\u0303', // the nasal tilde of ɑ̃ ɔ̃ ɛ̃ œ̃
];

/** tokens.txt: "symbol id" a line; the space token is written as its id alone, as sherpa expects. */
export function voiceTokens(): string {
  return PHONEMES.map((symbol, id) => (symbol === ' ' ? ` ${id}` : `${symbol} ${id}`)).join('\n') + '\n';
}

export interface VoiceShape {
  language: 'French' | 'English';
  /** The espeak-ng voice that phonemises the text (fr, en-us). */
  espeakVoice: string;
}

export const FRENCH_VOICE: VoiceShape = { language: 'French', espeakVoice: 'fr' };
export const ENGLISH_VOICE: VoiceShape = { language: 'English', espeakVoice: 'en-us' };

export function voiceGraph(seed: number, shape: VoiceShape = FRENCH_VOICE): OnnxGraph {
  const random = new SeededRandom(seed);
  const tokens = PHONEMES.length;
  const table = new Float32Array(tokens * VOICE_HOP);
  for (let t = 0; t < tokens; t++) {
    // Pads are near-silent; each phoneme a tone between 120 and 600 Hz under a Hann window.
    const level = t === 0 ? 0.01 : 0.3;
    const hz = 120 + random.nextFloat() * 480;
    for (let i = 0; i < VOICE_HOP; i++) {
      const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (VOICE_HOP - 1));
      table[t * VOICE_HOP + i] = level * hann * Math.sin((2 * Math.PI * hz * i) / VOICE_SAMPLE_RATE);
    }
  }
  return {
    name: 'greffier-synth-voice',
    inputs: [
      { name: 'input', dims: [1, 'T'], int64: true },
      { name: 'input_lengths', dims: [1], int64: true },
      { name: 'scales', dims: [3] },
    ],
    outputs: [{ name: 'output', dims: [1, 1, 'S'] }],
    weights: [
      { name: 'table', dims: [tokens, VOICE_HOP], data: table },
      { name: 'one', dims: [1], data: new Float32Array([1]) },
      { name: 'length_start', dims: [1], data: new BigInt64Array([1n]) },
      { name: 'length_end', dims: [1], data: new BigInt64Array([2n]) },
      { name: 'flat', dims: [3], data: new BigInt64Array([1n, 1n, -1n]) },
    ],
    nodes: [
      // [1, T] ids → [1, T, hop] tones.
      { op: 'Gather', inputs: ['table', 'input'], outputs: ['frames'], attributes: { axis: 0 } },
      // The length scale stretches the token axis (nearest neighbour): slower speech, more samples.
      {
        op: 'Slice',
        inputs: ['scales', 'length_start', 'length_end'],
        outputs: ['length_scale'],
      },
      { op: 'Concat', inputs: ['one', 'length_scale', 'one'], outputs: ['resize_scales'], attributes: { axis: 0 } },
      {
        op: 'Resize',
        inputs: ['frames', '', 'resize_scales'],
        outputs: ['stretched'],
      },
      { op: 'Reshape', inputs: ['stretched', 'flat'], outputs: ['output'] },
    ],
    metadata: {
      model_type: 'vits',
      comment: 'piper (greffier generated voice, seeded weights)',
      language: shape.language,
      voice: shape.espeakVoice,
      has_espeak: 1,
      n_speakers: 1,
      sample_rate: VOICE_SAMPLE_RATE,
    },
  };
}

export const VOICE_SYNTH_FILES = {
  model: 'voice-synth.onnx',
  config: 'voice-synth.onnx.json',
  tokens: 'tokens.txt',
} as const;

/**
 * The voice's Piper configuration (the .onnx.json published beside every
 * Piper voice): its phoneme ids, sample rate, espeak-ng voice and speaker
 * count — what Greffier turns into sherpa's metadata and tokens.txt.
 */
export function voiceConfig(shape: VoiceShape = FRENCH_VOICE): Record<string, unknown> {
  return {
    audio: { sample_rate: VOICE_SAMPLE_RATE, quality: 'medium' },
    espeak: { voice: shape.espeakVoice },
    language: { code: shape.espeakVoice, name_english: shape.language },
    inference: { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 },
    phoneme_type: 'espeak',
    num_symbols: PHONEMES.length,
    num_speakers: 1,
    phoneme_id_map: Object.fromEntries(PHONEMES.map((symbol, id) => [symbol, [id]])),
    dataset: 'greffier-synth',
  };
}

/**
 * Writes a generated voice into `dir`; same seed, same bytes. Two layouts:
 * `piper` as Piper publishes its voices (model.onnx without sherpa's
 * metadata + model.onnx.json), `sherpa` as sherpa-onnx's voice archives are
 * (metadata inside the model, tokens.txt beside it).
 */
export function writeVoiceModel(
  dir: string,
  seed: number,
  shape: VoiceShape = FRENCH_VOICE,
  layout: 'piper' | 'sherpa' = 'piper',
): { model: string; config?: string; tokens?: string } {
  mkdirSync(dir, { recursive: true });
  const model = join(dir, VOICE_SYNTH_FILES.model);
  const graph = voiceGraph(seed, shape);
  if (layout === 'sherpa') {
    const tokens = join(dir, VOICE_SYNTH_FILES.tokens);
    writeFileSync(model, encodeOnnx(graph));
    writeFileSync(tokens, voiceTokens(), 'utf8');
    return { model, tokens };
  }
  const config = join(dir, VOICE_SYNTH_FILES.config);
  writeFileSync(model, encodeOnnx({ ...graph, metadata: {} }));
  writeFileSync(config, JSON.stringify(voiceConfig(shape), null, 2), 'utf8');
  return { model, config };
}
