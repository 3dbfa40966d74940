import { readdir, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstalledModel, ModelKind } from '../../shared/meetings.js';
import { GreffierError, isGreffierError } from '../errors.js';
import { homePaths } from '../paths.js';
import { machinePolicy, requireAllowedModel } from '../policy.js';
import { entryBySha256, loadCatalogue, type ModelCatalogue } from './catalogue.js';
import { copyModelIntoFolder } from './copy.js';
import { ggufModelKind } from './gguf-kind.js';
import { onnxMetadata } from './synth/onnx-file.js';
import { installModel, type ModelSettingsStore } from './installed.js';
import { copyVoiceCompanions, hasPiperConfig, voiceCompanions } from './voice-companions.js';
import { checkModelKind, detectModelFormat, judgeModel } from './verify.js';
import { checkWhisperComplete } from './whisper-layout.js';

/** A model installed from a file: the vault's record, its kind, and what to tell the user. */
export type AddedModel = InstalledModel & {
  kind: ModelKind;
  /** The file the user gave, symbolic links resolved (path is Greffier's copy). */
  source: string;
  /** Set when the file was accepted only because the user trusted it. */
  warning?: string;
};

export interface AddModelOptions {
  /** The app-owned folder copies go to: homePaths(env).models. */
  modelsDir: string;
  /** Accept a file the catalogue does not vouch for (with a warning). */
  trustUnlisted?: boolean;
  catalogue?: ModelCatalogue;
  /** Make it the default of its kind even when the kind has one (the first always is). */
  makeDefault?: boolean;
  signal?: AbortSignal;
  /** Bytes copied so far and the total. */
  onBytes?: (done: number, total: number) => void;
  /** Whose machine policy applies (its model allow-list); the process's when absent. */
  env?: NodeJS.ProcessEnv;
}

/**
 * What a file is from its bytes: whisper.cpp and Silero headers, and for a
 * GGUF its metadata (an embedding encoder or a chat model). A reason when it
 * is none Greffier uses.
 */
export async function modelKindOf(
  path: string,
  signal?: AbortSignal,
): Promise<{ kind: ModelKind } | { reason: string }> {
  const format = await detectModelFormat(path);
  if (format === 'whisper') return { kind: 'asr' };
  if (format === 'vad') return { kind: 'vad' };
  if (format === 'gguf') return ggufModelKind(path, signal);
  if (format === 'onnx') return onnxModelKind(path);
  return { reason: format === 'empty' ? 'empty file' : 'not a model file' };
}

/** An ONNX speaker model says which it is in its metadata (the keys sherpa-onnx reads). */
async function onnxModelKind(path: string): Promise<{ kind: ModelKind } | { reason: string }> {
  try {
    const metadata = onnxMetadata(await readFile(path));
    if (metadata.framework) return { kind: 'voiceprint' };
    if (metadata.window_size && metadata.receptive_field_shift) return { kind: 'segmentation' };
    // A Piper voice: sherpa's export says so inside, Piper's own by its .onnx.json beside it.
    if (/piper/i.test(metadata.comment ?? '') || (await hasPiperConfig(path))) return { kind: 'speech' };
    return {
      reason: 'an ONNX model that is neither a speaker model nor a Piper voice (no .onnx.json beside it)',
    };
  } catch {
    return { reason: 'a damaged ONNX model' };
  }
}

/**
 * Installs one model file: copied into the models folder (hashed on the
 * way), judged by the catalogue from the copy's checksum, and recorded in the
 * vault with the copy's fingerprint. With `kind` the file must be of that
 * kind ("models add --kind"); without it the kind is read from the file and
 * the catalogue has the last word. A refused file leaves no copy behind.
 */
export async function addModelFile(
  store: ModelSettingsStore,
  file: string,
  kind: ModelKind | undefined,
  options: AddModelOptions,
): Promise<AddedModel> {
  if (kind) {
    await checkModelKind(file, kind);
    return installFile(store, file, kind, true, options);
  }
  const found = await modelKindOf(file, options.signal);
  if ('reason' in found) {
    throw new GreffierError('model-wrong-kind', `${file}: ${found.reason}`, {
      hint: 'choose a whisper.cpp (.bin), Silero VAD, GGUF (.gguf) or ONNX speaker model file',
    });
  }
  return installFile(store, file, found.kind, false, options);
}

async function installFile(
  store: ModelSettingsStore,
  file: string,
  guessed: ModelKind,
  userSaid: boolean,
  options: AddModelOptions,
): Promise<AddedModel> {
  const catalogue = options.catalogue ?? loadCatalogue();
  const copy = await copyModelIntoFolder(file, options.modelsDir, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onBytes ? { onBytes: options.onBytes } : {}),
  });
  // Both GGUF kinds share a format: a catalogue match by checksum knows better than metadata.
  const listed = entryBySha256(catalogue, copy.sha256);
  const kind =
    !userSaid && listed && (guessed === 'llm' || guessed === 'embedding') ? listed.kind : guessed;
  let verdict;
  try {
    requireAllowedModel({ path: file, sha256: copy.sha256 }, options.env ?? process.env);
    // A copy cut short runs in whisper.cpp as an empty model: refused here, trusted or not.
    if (kind === 'asr') await checkWhisperComplete(copy.path, file);
    verdict = judgeModel(
      { path: file, kind, sha256: copy.sha256, size: copy.fingerprint.size },
      { catalogue, ...(options.trustUnlisted ? { trustUnlisted: true } : {}) },
    );
  } catch (error) {
    if (!copy.reused) await unlink(copy.path).catch(() => undefined);
    throw error;
  }
  // A voice needs its configuration or tokens beside Greffier's copy of it.
  if (kind === 'speech') await copyVoiceCompanions(copy.source, copy.path);
  const record = await installModel(
    store,
    { path: copy.path, kind, sha256: copy.sha256, ...copy.fingerprint, source: copy.source, ...verdict },
    { makeDefault: options.makeDefault ?? true },
  );
  return {
    ...record,
    kind,
    source: copy.source,
    ...(verdict.warning ? { warning: verdict.warning } : {}),
  };
}

export interface ImportResult {
  imported: AddedModel[];
  /** One line per file left out: its name and why. */
  skipped: string[];
  /** Files accepted only because the caller trusted unlisted models. */
  warnings: string[];
}

/**
 * Installs every model file found directly in a folder (a USB drive from the
 * build machine, or the bundled models/ folder), for both doors: each file's
 * kind is read from its bytes (GGUF metadata tells an embedding model from a
 * chat model), it is copied and verified as "greffier models add" does, and
 * becomes the default of its kind only when that kind has none yet (unless
 * `makeDefault`). Nothing is installed from a file that fails; it is listed
 * in `skipped` with the reason.
 */
export async function importModelsFromFolder(
  store: ModelSettingsStore,
  folder: string,
  options: Omit<AddModelOptions, 'onBytes'> & {
    /** Called before each file, e.g. to say which one is being copied. */
    onFile?: (name: string) => void;
  },
): Promise<ImportResult> {
  let names: string[];
  let folders: string[];
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    names = entries
      .filter(
        (d) =>
          (d.isFile() || d.isSymbolicLink()) && !d.name.startsWith('.') && !d.name.endsWith('.part'),
      )
      .map((d) => d.name)
      .sort();
    names = withoutVoiceCompanions(names);
    // Subfolders are not entered (speaker models there would turn speaker detection on):
    // said, so IT knows to import them on their own.
    folders = entries
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GreffierError(
      'import-folder',
      code === 'ENOENT'
        ? `the folder ${folder} does not exist`
        : `the folder ${folder} cannot be read (${code ?? 'error'})`,
      { hint: 'choose the folder (or drive) that holds the model files IT provided' },
    );
  }
  const catalogue = options.catalogue ?? loadCatalogue();
  const result: ImportResult = { imported: [], skipped: [], warnings: [] };
  for (const name of names) {
    options.signal?.throwIfAborted();
    const path = join(folder, name);
    try {
      // A link is followed to its file before anything (a link to a folder is no model).
      const real = await realpath(path).catch(() => undefined);
      if (!real || !(await stat(real)).isFile()) {
        result.skipped.push(`${name}: ${real ? 'a link to a folder' : 'a broken link'}`);
        continue;
      }
      const found = await modelKindOf(real, options.signal);
      if ('reason' in found) {
        result.skipped.push(`${name}: ${found.reason}`);
        continue;
      }
      options.onFile?.(name);
      const added = await installFile(store, path, found.kind, false, {
        ...options,
        catalogue,
        makeDefault: options.makeDefault ?? false,
      });
      if (added.warning) result.warnings.push(added.warning);
      result.imported.push(added);
    } catch (error) {
      if (!isGreffierError(error)) throw error;
      result.skipped.push(`${name}: ${error.message}`);
    }
  }
  for (const name of folders) result.skipped.push(`${name}/: a folder (import it on its own)`);
  if (names.length === 0 && folders.length === 0) result.skipped.push(`${folder}: no files`);
  return result;
}

/**
 * A voice's configuration and tokens travel with its .onnx (copyVoiceCompanions):
 * they are no models of their own, so they are neither imported nor listed
 * as refused (the walk saw « voice.onnx.json — ce n'est pas un fichier de modèle »).
 */
function withoutVoiceCompanions(names: string[]): string[] {
  const companions = new Set(
    names
      .filter((name) => name.endsWith('.onnx'))
      .flatMap((name) => {
        const { config, tokens } = voiceCompanions(name);
        return [config, ...tokens];
      }),
  );
  return names.filter((name) => !companions.has(name));
}

/**
 * The machine policy's pre-installed models folder, imported into a vault
 * just created (both doors call this after "create"). IT put the files
 * there, so unlisted ones are trusted; the allow-list still applies.
 */
export async function importPolicyModels(
  store: ModelSettingsStore,
  env: NodeJS.ProcessEnv,
): Promise<ImportResult | undefined> {
  const folder = machinePolicy(env).modelsFolder;
  if (!folder) return undefined;
  return importModelsFromFolder(store, folder, {
    modelsDir: homePaths(env).models,
    trustUnlisted: true,
    env,
  });
}
