import { copyFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A voice (--kind speech) is more than its .onnx: Piper publishes a
 * configuration beside it (`x.onnx.json`), sherpa-onnx's archives a
 * tokens.txt. "models add" copies the model into Greffier's folder, where
 * several voices live side by side, so each companion is copied under the
 * model's own name (`x.onnx.json`, `x.onnx.tokens.txt`).
 */
export function voiceCompanions(model: string): { config: string; tokens: string[] } {
  return {
    config: `${model}.json`,
    tokens: [`${model}.tokens.txt`, join(dirname(model), 'tokens.txt')],
  };
}

/** Copies the companions found beside `source` next to its copy `target`. */
export async function copyVoiceCompanions(source: string, target: string): Promise<void> {
  const from = voiceCompanions(source);
  const to = voiceCompanions(target);
  if (existsSync(from.config)) await copyFile(from.config, to.config);
  const tokens = from.tokens.find((path) => existsSync(path));
  if (tokens) await copyFile(tokens, to.tokens[0]!);
}

/** Whether a file's Piper configuration lies beside it (a published Piper voice). */
export async function hasPiperConfig(model: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(voiceCompanions(model).config, 'utf8')) as {
      phoneme_id_map?: unknown;
    };
    return typeof json.phoneme_id_map === 'object' && json.phoneme_id_map !== null;
  } catch {
    return false;
  }
}
