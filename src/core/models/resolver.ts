import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { InstalledModel, ModelKind } from '../../shared/meetings.js';
import { checkVadModel, checkWhisperModel } from '../asr/model-file.js';
import { GreffierError } from '../errors.js';
import { machinePolicy, requireAllowedModel } from '../policy.js';
import { cataloguePath, entryByFileName, loadCatalogue, type ModelCatalogue } from './catalogue.js';
import type { ModelSettingsStore } from './installed.js';
import {
  detectModelFormat,
  ensureModelUnchanged,
  judgeModel,
  sameFingerprint,
  sha256File,
  type ModelFingerprint,
} from './verify.js';

/**
 * The one place that decides which model file an engine loads, for every
 * kind (asr, vad, llm, embedding) and both doors (app, CLI):
 *
 * 1. a file named explicitly (a CLI flag, or a job's recorded params): when
 *    it is one of the vault's installed copies it is checked like one;
 *    otherwise its format is checked, and its bytes against the catalogue
 *    when it carries a catalogue file name;
 * 2. else the vault's default of that kind (for vad: unless the vault's
 *    useVad setting is off), its bytes checked against those recorded;
 * 3. else the development fallback, checked like an explicit file;
 * 4. else nothing: undefined.
 *
 * An installed file whose bytes changed is refused (GreffierError
 * 'model-changed' naming the file). The check is cheap: the file's
 * fingerprint (inode, size, ctime, mtime) against the recorded one; the
 * SHA-256 is computed again only when it moved, and a file found unchanged
 * gets its new fingerprint recorded.
 */
export interface ResolveOptions {
  /** A file named on the command line (--asr-model F) or in a job's params. */
  explicit?: string | undefined;
  /** The flag that named it, for messages ("--asr-model"). */
  flag?: string;
  /** Development and tests: used when nothing is installed (the app's fallback models). */
  fallback?: string | undefined;
  /** The catalogue that judges explicit files; read from resources when absent. */
  catalogue?: ModelCatalogue;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const KIND_WORDS: Record<ModelKind, string> = {
  asr: 'transcription',
  vad: 'voice-activity (VAD)',
  llm: 'language',
  embedding: 'embedding',
  segmentation: 'speaker-segmentation',
  voiceprint: 'voiceprint (speaker-embedding)',
  speech: 'speech (Piper voice)',
};

const FLAGS: Record<ModelKind, string> = {
  asr: '--asr-model',
  vad: '--vad-model',
  llm: '--llm-model',
  embedding: '--embedding-model',
  segmentation: '--segmentation-model',
  voiceprint: '--voiceprint-model',
  speech: '--voice',
};

/**
 * The path to load for `kind`, verified, or undefined when none is given or
 * installed (callers of optional kinds — vad, embedding — go on without).
 * `store` may be absent (a command run without a vault): then only the
 * explicit file or the fallback can be chosen.
 */
export async function resolveModel(
  store: ModelSettingsStore | undefined,
  kind: ModelKind,
  options: ResolveOptions = {},
): Promise<string | undefined> {
  if (options.explicit) {
    const path = resolve(options.explicit);
    const installed = store?.getSettings().models[kind]?.find((m) => m.path === path);
    if (installed && store) return checkInstalled(store, kind, installed, options);
    return checkExplicitModel(path, kind, options);
  }
  if (store) {
    const settings = store.getSettings();
    if (kind === 'vad' && settings.useVad === false) return undefined;
    const installed = settings.models[kind] ?? [];
    const chosen = installed.find((m) => m.default) ?? installed[0];
    if (chosen) return checkInstalled(store, kind, chosen, options);
  }
  if (options.fallback) return checkExplicitModel(resolve(options.fallback), kind, options);
  return undefined;
}

/** resolveModel for a kind that cannot be done without (asr, llm): none is an error. */
export async function requireModel(
  store: ModelSettingsStore | undefined,
  kind: ModelKind,
  options: ResolveOptions = {},
): Promise<string> {
  const path = await resolveModel(store, kind, options);
  if (path === undefined) {
    throw new GreffierError('no-model', `no ${KIND_WORDS[kind]} model is installed in this vault`, {
      hint: `install one with "greffier models add <file> --kind ${kind}" (see "greffier models catalogue"), or give ${FLAGS[kind]} <file>`,
      // The window names the kind in its language (« Aucun modèle de ce type » said none).
      vars: { kind },
    });
  }
  return path;
}

async function checkInstalled(
  store: ModelSettingsStore,
  kind: ModelKind,
  model: InstalledModel,
  options: ResolveOptions,
): Promise<string> {
  requireAllowedModel(model, options.env ?? process.env);
  const fingerprint = await ensureModelUnchanged(
    model,
    options.signal ? { signal: options.signal } : {},
  );
  if (!sameFingerprint(fingerprint, model)) {
    await recordFingerprint(store, kind, model.path, fingerprint);
  }
  return model.path;
}

/** Records the fingerprint a model has now, after its bytes were found unchanged. */
export async function recordFingerprint(
  store: ModelSettingsStore,
  kind: ModelKind,
  path: string,
  fingerprint: ModelFingerprint,
): Promise<void> {
  const models = { ...store.getSettings().models };
  models[kind] = (models[kind] ?? []).map((m) => (m.path === path ? { ...m, ...fingerprint } : m));
  await store.updateSettings({ models });
}

/**
 * A file that is not installed, named for one run: its format must be the
 * kind asked for (said before anything is decrypted), and when it carries
 * the file name of a confirmed catalogue entry its bytes must be that
 * entry's. Other files are the user's own choice (development, generated
 * test models) and are used as they are, as before.
 */
export async function checkExplicitModel(
  path: string,
  kind: ModelKind,
  options: Pick<ResolveOptions, 'flag' | 'catalogue' | 'env' | 'signal'> = {},
): Promise<string> {
  const flag = options.flag ?? FLAGS[kind];
  if (kind === 'asr') await checkWhisperModel(path, flag);
  else if (kind === 'vad') await checkVadModel(path, flag);
  else await checkGguf(path, kind, flag);
  const env = options.env ?? process.env;
  await checkModelAllowed(path, env, options.signal);
  const catalogue = options.catalogue ?? loadCatalogue(cataloguePath(env));
  const namesake = entryByFileName(catalogue, basename(path));
  if (namesake?.sha256Confirmed) {
    const { size } = await stat(path);
    const sha256 =
      size === namesake.sizeBytes
        ? await sha256File(path, options.signal ? { signal: options.signal } : {})
        : '(not computed: the size differs)';
    judgeModel({ path, kind, sha256, size }, { catalogue, trustUnlisted: true });
  }
  return path;
}

/**
 * A file named for one run, against the machine policy's allow-list (hashed
 * only when there is one): the vault-less commands call this too.
 */
export async function checkModelAllowed(
  path: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<void> {
  if (!machinePolicy(env).allowedModelSha256) return;
  requireAllowedModel({ path, sha256: await sha256File(path, signal ? { signal } : {}) }, env);
}

async function checkGguf(path: string, kind: ModelKind, flag: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error('folder'), { code: 'EISDIR' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GreffierError(
      'model-missing',
      code === 'ENOENT'
        ? `there is no model file at ${path} (given to ${flag})`
        : code === 'EISDIR'
          ? `${path} given to ${flag} is a folder, not a model file`
          : `The model file ${path} given to ${flag} cannot be read (${code ?? 'error'})`,
      { hint: 'check the path, or list the installed models with "greffier models list"' },
    );
  }
  const format = await detectModelFormat(path);
  // The speaker models are ONNX files (sherpa-onnx); the language models GGUF.
  const expected =
    kind === 'segmentation' || kind === 'voiceprint' || kind === 'speech' ? 'onnx' : 'gguf';
  if (format !== expected) {
    const found =
      format === 'empty'
        ? 'it is empty'
        : format === 'other'
          ? 'unknown contents'
          : format === 'gguf' || format === 'onnx'
            ? `it is a ${format.toUpperCase()} model`
            : `it is a whisper.cpp ${format} model`;
    throw new GreffierError(
      'model-wrong-kind',
      `${path} given to ${flag} is not a ${expected.toUpperCase()} ${KIND_WORDS[kind]} model (${found})`,
      { hint: `give ${flag} a .${expected} file, or install one with "greffier models add <file> --kind ${kind}"` },
    );
  }
}
