import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { InstalledModel, ModelKind } from '../../shared/meetings.js';
import { classifyModelBytes, type GgmlFileKind } from '../asr/model-file.js';
import { GreffierError } from '../errors.js';
import {
  entryByFileName,
  entryBySha256,
  loadCatalogue,
  type CatalogueEntry,
  type ModelCatalogue,
} from './catalogue.js';

/** SHA-256 of a file read in a stream: a 4 GB model never sits in memory. */
export async function sha256File(
  path: string,
  options: { signal?: AbortSignal; onBytes?: (done: number) => void } = {},
): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  const stream = createReadStream(path, {
    highWaterMark: 1 << 20,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    options.onBytes?.(done);
  }
  return hash.digest('hex');
}

const KIND_NAMES: Record<ModelKind, string> = {
  asr: 'a whisper.cpp speech-recognition model (--kind asr)',
  vad: "whisper.cpp's Silero voice-activity model (--kind vad)",
  llm: 'a GGUF language model (--kind llm)',
  embedding: 'a GGUF embedding model (--kind embedding)',
  segmentation: 'an ONNX speaker-segmentation model, pyannote style (--kind segmentation)',
  voiceprint: 'an ONNX speaker-embedding model, 3D-Speaker or WeSpeaker style (--kind voiceprint)',
  speech: 'an ONNX Piper voice (--kind speech)',
};

/** What the first bytes say a file is; GGUF serves both language and embedding models. */
function kindsFor(format: GgmlFileKind): ModelKind[] {
  switch (format) {
    case 'whisper':
      return ['asr'];
    case 'vad':
      return ['vad'];
    case 'gguf':
      return ['llm', 'embedding'];
    case 'onnx':
      return ['segmentation', 'voiceprint', 'speech'];
    default:
      return [];
  }
}

function describeFormat(format: GgmlFileKind): string {
  switch (format) {
    case 'whisper':
      return KIND_NAMES.asr;
    case 'vad':
      return KIND_NAMES.vad;
    case 'gguf':
      return 'a GGUF model (--kind llm or --kind embedding)';
    case 'onnx':
      return 'an ONNX model (--kind segmentation, --kind voiceprint or --kind speech)';
    case 'empty':
      return 'empty (0 bytes)';
    default:
      return 'not a model file Greffier knows (neither whisper.cpp ggml nor GGUF)';
  }
}

async function statModel(path: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new GreffierError('model-missing', `${path} is not a model file (it is a folder)`, {
        hint: 'give the path of the model file itself',
        exitCode: 2,
      });
    }
    return { size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    if (error instanceof GreffierError) throw error;
    throw modelUnreadable(
      path,
      error,
      'check the path (models usually arrive in the models/ folder or on removable media)',
    );
  }
}

/** The model format from the file's first bytes (shared with the whisper engine's check). */
export async function detectModelFormat(path: string): Promise<GgmlFileKind> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, 64, 0);
    return classifyModelBytes(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Refuses a file whose bytes are not the kind the user said. */
export async function checkModelKind(path: string, kind: ModelKind): Promise<GgmlFileKind> {
  await statModel(path);
  const format = await detectModelFormat(path);
  if (!kindsFor(format).includes(kind)) {
    throw new GreffierError(
      'model-wrong-kind',
      `${path} is ${describeFormat(format)}, not ${KIND_NAMES[kind]}`,
      {
        hint:
          kindsFor(format).length > 0
            ? `give --kind ${kindsFor(format).join(' or --kind ')} for this file, or choose the right file`
            : 'choose a whisper.cpp (.bin) or GGUF (.gguf) model file',
        exitCode: 2,
      },
    );
  }
  return format;
}

export interface VerifiedModel {
  path: string;
  kind: ModelKind;
  sha256: string;
  size: number;
  mtimeMs: number;
  /** Inode and ctime when the bytes were hashed (a copy made by "models add" has them). */
  ino?: number;
  ctimeMs?: number;
  /** The file the user gave, when `path` is Greffier's copy of it. */
  source?: string;
  /** The catalogue entry the checksum matched; absent for a file trusted explicitly. */
  entry?: CatalogueEntry;
  /** Set when the file was accepted only because the user trusted it: say so loudly. */
  warning?: string;
}

export interface VerifyOptions {
  /** Accept a file the catalogue does not vouch for (with a warning). */
  trustUnlisted?: boolean;
  catalogue?: ModelCatalogue;
  signal?: AbortSignal;
}

export interface JudgeInput {
  /** The path to name in messages (the file the user gave). */
  path: string;
  kind: ModelKind;
  sha256: string;
  size: number;
}

/**
 * The catalogue's verdict on bytes already hashed: the confirmed entry they
 * match, or a warning when the user trusts an unlisted file, else a refusal.
 * A file carrying a confirmed catalogue name with other bytes is refused even
 * when trusted: it is damaged or tampered.
 */
export function judgeModel(
  input: JudgeInput,
  options: Omit<VerifyOptions, 'signal'> & { catalogue: ModelCatalogue },
): { entry?: CatalogueEntry; warning?: string } {
  const { path, kind, sha256, size } = input;
  const entry = entryBySha256(options.catalogue, sha256);
  if (entry) {
    if (entry.kind !== kind) {
      throw new GreffierError(
        'model-wrong-kind',
        `${path} is the catalogue's ${entry.name}, ${KIND_NAMES[entry.kind]}, not ${KIND_NAMES[kind]}`,
        { hint: `add it with --kind ${entry.kind}`, exitCode: 2 },
      );
    }
    return { entry };
  }
  const namesake = entryByFileName(options.catalogue, basename(path));
  if (namesake?.sha256Confirmed) {
    throw new GreffierError(
      'model-checksum',
      `${path} has the name of the catalogue's ${namesake.name} but not its bytes (SHA-256 ${sha256}, expected ${namesake.sha256}; ${size} bytes, expected ${namesake.sizeBytes})`,
      {
        hint: 'the copy is damaged or was altered: fetch it again (npm run models:fetch on the build machine) and do not use this file',
      },
    );
  }
  if (!options.trustUnlisted) {
    throw new GreffierError(
      'model-unlisted',
      namesake
        ? `${path} is the catalogue's ${namesake.name}, whose checksum is not confirmed (SHA-256 of this file: ${sha256})`
        : `${path} is not in the model catalogue (SHA-256 ${sha256})`,
      {
        hint: 'check the file with its publisher, then add it with --trust-unlisted if you trust it',
      },
    );
  }
  return {
    warning: `${basename(path)} is not vouched for by the catalogue; it was accepted because --trust-unlisted was given (SHA-256 ${sha256})`,
  };
}

/**
 * Checks a model file where it lies (no copy): its format must match `kind`,
 * and its SHA-256 must satisfy the catalogue (see judgeModel).
 */
export async function verifyModelFile(
  path: string,
  kind: ModelKind,
  options: VerifyOptions = {},
): Promise<VerifiedModel> {
  const before = await statModel(path);
  await checkModelKind(path, kind);
  const catalogue = options.catalogue ?? loadCatalogue();
  const sha256 = await sha256File(path, options.signal ? { signal: options.signal } : {});
  const after = await statModel(path);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    throw new GreffierError('model-changing', `${path} changed while it was being checked`, {
      hint: 'wait until the copy has finished, then add the model again',
    });
  }
  const verdict = judgeModel(
    { path, kind, sha256, size: after.size },
    { catalogue, ...(options.trustUnlisted ? { trustUnlisted: true } : {}) },
  );
  return { path, kind, sha256, size: after.size, mtimeMs: after.mtimeMs, ...verdict };
}

/**
 * What is compared before every load: a file rewritten in place keeps its
 * size and can get its mtime back (utimes), but not its ctime; a file
 * replaced by another gets a new inode.
 */
export interface ModelFingerprint {
  ino: number;
  size: number;
  ctimeMs: number;
  mtimeMs: number;
}

export function fingerprintOf(stats: {
  ino: number;
  size: number;
  ctimeMs: number;
  mtimeMs: number;
}): ModelFingerprint {
  return { ino: stats.ino, size: stats.size, ctimeMs: stats.ctimeMs, mtimeMs: stats.mtimeMs };
}

export function sameFingerprint(
  a: ModelFingerprint,
  b: Partial<ModelFingerprint> & { size: number; mtimeMs: number },
): boolean {
  return a.ino === b.ino && a.size === b.size && a.ctimeMs === b.ctimeMs && a.mtimeMs === b.mtimeMs;
}

/** A model file that is missing or cannot be read, said the same way wherever it is opened. */
export function modelUnreadable(path: string, error: unknown, hint: string): GreffierError {
  const code = (error as NodeJS.ErrnoException).code;
  return new GreffierError(
    'model-missing',
    code === 'ENOENT'
      ? `the model file ${path} does not exist`
      : `the model file ${path} cannot be read (${code ?? 'error'})`,
    { hint },
  );
}

/** The fingerprint of the file itself: a symbolic link put in its place is refused, never followed. */
async function fingerprintModel(path: string): Promise<ModelFingerprint> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    throw modelUnreadable(
      path,
      error,
      'restore it, or add the model again with "greffier models add <file> --kind …"',
    );
  }
  if (!info.isFile()) {
    throw new GreffierError(
      'model-changed',
      `the model ${path} was replaced by ${info.isSymbolicLink() ? 'a symbolic link' : 'something that is not a file'}; it will not be loaded`,
      { hint: 'add the model again with "greffier models add <file> --kind …"' },
    );
  }
  return fingerprintOf(info);
}

/**
 * Refuses an installed model whose bytes changed since they were hashed.
 * The fingerprint (inode, size, ctime, mtime) is compared every time; the
 * checksum is computed again when any of it moved, or always with `full`.
 * A file whose bytes are the same passes, and its new fingerprint is
 * returned to be recorded so the next load is cheap again.
 */
export async function ensureModelUnchanged(
  model: Pick<InstalledModel, 'path' | 'sha256' | 'size' | 'mtimeMs' | 'ino' | 'ctimeMs'>,
  options: { full?: boolean; signal?: AbortSignal } = {},
): Promise<ModelFingerprint> {
  const now = await fingerprintModel(model.path);
  const changed = (detail: string) =>
    new GreffierError(
      'model-changed',
      `the model ${model.path} changed since it was verified (${detail}); it will not be loaded`,
      {
        hint: 'restore the original file, or verify the new one with "greffier models add <file> --kind …"',
      },
    );
  if (now.size !== model.size) throw changed(`${now.size} bytes instead of ${model.size}`);
  if (!options.full && sameFingerprint(now, model)) return now;
  const sha256 = await sha256File(model.path, options.signal ? { signal: options.signal } : {});
  const after = await fingerprintModel(model.path);
  if (!sameFingerprint(after, now)) {
    throw new GreffierError('model-changing', `the model ${model.path} changed while it was being checked`, {
      hint: 'wait until whatever writes it has finished, then try again',
    });
  }
  if (sha256 !== model.sha256) throw changed(`SHA-256 ${sha256} instead of ${model.sha256}`);
  return now;
}
