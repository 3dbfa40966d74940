import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { onnxMetadataBytes } from '../models/synth/onnx-file.js';
import { GreffierError } from '../errors.js';

/**
 * A voice as Piper publishes it (rhasspy/piper-voices: `x.onnx` and its
 * `x.onnx.json`) made loadable by sherpa-onnx: the published model carries
 * none of the metadata sherpa reads and no tokens.txt, so both are derived
 * from the .onnx.json. The installed file stays the published one (its
 * checksum is the catalogue's); the loadable copy is the published bytes
 * with metadata entries appended (protobuf merges a repeated field's runs),
 * kept in a folder of Greffier's own.
 */

const PiperConfigSchema = z.object({
  audio: z.object({ sample_rate: z.number().int().positive() }),
  espeak: z.object({ voice: z.string().min(1) }),
  language: z.object({ name_english: z.string().min(1) }).optional(),
  num_speakers: z.number().int().nonnegative().default(1),
  phoneme_type: z.string().optional(),
  phoneme_id_map: z.record(z.string(), z.array(z.number().int().nonnegative()).min(1)),
});
export type PiperConfig = z.infer<typeof PiperConfigSchema>;

export function readPiperConfig(path: string): PiperConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new GreffierError(
      'speech-voice-invalid',
      `the voice configuration ${path} cannot be read`,
      {
        hint: 'put the .onnx.json published with the voice beside it, unchanged',
        cause: error,
      },
    );
  }
  const parsed = PiperConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GreffierError(
      'speech-voice-invalid',
      `the voice configuration ${path} is not a Piper voice's (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`,
      { hint: 'put the .onnx.json published with the voice beside it, unchanged' },
    );
  }
  if (parsed.data.phoneme_type && parsed.data.phoneme_type !== 'espeak') {
    throw new GreffierError(
      'speech-voice-invalid',
      `the voice ${path} reads ${parsed.data.phoneme_type} phonemes; Greffier speaks with espeak-ng ones only`,
      { hint: 'choose a French or English Piper voice (see "greffier models catalogue")' },
    );
  }
  return parsed.data;
}

/**
 * tokens.txt as sherpa reads it: "symbol id" a line, the space written as its
 * id alone. Sherpa splits lines on whitespace and ends the process on a line
 * it cannot read, so only single symbols are written and, of the whitespace,
 * only the space.
 */
export function piperTokens(config: PiperConfig): string {
  return (
    Object.entries(config.phoneme_id_map)
      .filter(([symbol]) => [...symbol].length === 1 && (symbol === ' ' || !/^\s$/u.test(symbol)))
      .map(([symbol, ids]) => (symbol === ' ' ? ` ${ids[0]}` : `${symbol} ${ids[0]}`))
      .join('\n') + '\n'
  );
}

/** The metadata sherpa's VITS loader reads, from the configuration. */
export function piperMetadata(config: PiperConfig): Record<string, string | number> {
  return {
    model_type: 'vits',
    comment: 'piper',
    language: config.language?.name_english ?? config.espeak.voice,
    voice: config.espeak.voice,
    has_espeak: 1,
    n_speakers: config.num_speakers,
    sample_rate: config.audio.sample_rate,
  };
}

/**
 * The loadable copy of a published Piper voice, made once in `dir` (a
 * sub-folder named after the model's path, size and time, so a changed file
 * gets a fresh copy) and reused after.
 */
export function preparePiperVoice(
  model: string,
  config: PiperConfig,
  dir: string,
): { model: string; tokens: string } {
  const info = statSync(model);
  const stamp = createHash('sha256')
    .update(`${model}\0${info.size}\0${info.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
  const folder = join(dir, stamp);
  const ready = { model: join(folder, 'voice.onnx'), tokens: join(folder, 'tokens.txt') };
  if (existsSync(ready.model) && existsSync(ready.tokens)) return ready;
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeFileSync(ready.tokens, piperTokens(config), { encoding: 'utf8', mode: 0o600 });
    const bytes = Buffer.concat([readFileSync(model), onnxMetadataBytes(piperMetadata(config))]);
    // Written under another name first: a half-written copy is never taken for a voice.
    const part = `${ready.model}.part`;
    writeFileSync(part, bytes, { mode: 0o600 });
    renameSync(part, ready.model);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new GreffierError(
      'speech-prepare',
      `the voice cannot be prepared in ${folder} (${code})`,
      {
        hint: 'free some space (about the size of the voice) and check the Greffier folder is writable',
        cause: error,
      },
    );
  }
  return ready;
}
