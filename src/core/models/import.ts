import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstalledModel, ModelKind } from '../../shared/meetings.js';
import { GreffierError, isGreffierError } from '../errors.js';
import { entryBySha256, loadCatalogue, type ModelCatalogue } from './catalogue.js';
import { installModel, type ModelSettingsStore } from './installed.js';
import { detectModelFormat, sha256File, verifyModelFile } from './verify.js';

export interface ImportResult {
  imported: (InstalledModel & { kind: ModelKind })[];
  /** One line per file left out: its name and why. */
  skipped: string[];
  /** Files accepted only because the caller trusted unlisted models. */
  warnings: string[];
}

// GGUF architectures that are embedding encoders rather than chat models.
const EMBEDDING_ARCHITECTURES = /bert|roberta|^t5encoder$/;

/**
 * Reads general.architecture when it is the first GGUF key (as llama.cpp's
 * converters write it), to tell an embedding encoder from a chat model.
 */
async function ggufArchitecture(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(256);
    const { bytesRead } = await handle.read(head, 0, 256, 0);
    if (bytesRead < 40) return undefined;
    const keyLength = Number(head.readBigUInt64LE(24));
    if (keyLength > 64 || 32 + keyLength + 12 > bytesRead) return undefined;
    const key = head.toString('utf8', 32, 32 + keyLength);
    const type = head.readUInt32LE(32 + keyLength);
    if (key !== 'general.architecture' || type !== 8) return undefined;
    const valueLength = Number(head.readBigUInt64LE(36 + keyLength));
    const start = 44 + keyLength;
    if (valueLength > 64 || start + valueLength > bytesRead) return undefined;
    return head.toString('utf8', start, start + valueLength);
  } finally {
    await handle.close();
  }
}

async function guessKind(
  path: string,
  catalogue: ModelCatalogue,
): Promise<{ kind: ModelKind } | { reason: string }> {
  const format = await detectModelFormat(path);
  if (format === 'whisper') return { kind: 'asr' };
  if (format === 'vad') return { kind: 'vad' };
  if (format !== 'gguf') {
    return { reason: format === 'empty' ? 'empty file' : 'not a model file' };
  }
  const entry = entryBySha256(catalogue, await sha256File(path));
  if (entry) return { kind: entry.kind };
  const architecture = await ggufArchitecture(path);
  return { kind: architecture && EMBEDDING_ARCHITECTURES.test(architecture) ? 'embedding' : 'llm' };
}

/**
 * Installs every model file found directly in a folder (a USB drive from the
 * build machine, or the bundled models/ folder): each is verified as
 * `greffier models add` would, and becomes the default of its kind only when
 * that kind has none yet. Nothing is installed from a file that fails; it is
 * listed in `skipped` with the reason.
 */
export async function importModelsFromFolder(
  store: ModelSettingsStore,
  folder: string,
  options: { trustUnlisted?: boolean; catalogue?: ModelCatalogue; signal?: AbortSignal } = {},
): Promise<ImportResult> {
  let names: string[];
  try {
    names = (await readdir(folder, { withFileTypes: true }))
      .filter((d) => d.isFile() && !d.name.startsWith('.') && !d.name.endsWith('.part'))
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
      const guess = await guessKind(path, catalogue);
      if ('reason' in guess) {
        result.skipped.push(`${name}: ${guess.reason}`);
        continue;
      }
      const verified = await verifyModelFile(path, guess.kind, {
        catalogue,
        ...(options.trustUnlisted ? { trustUnlisted: true } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (verified.warning) result.warnings.push(verified.warning);
      const record = await installModel(store, verified, { makeDefault: false });
      result.imported.push({ ...record, kind: guess.kind });
    } catch (error) {
      if (!isGreffierError(error)) throw error;
      result.skipped.push(`${name}: ${error.message}`);
    }
  }
  if (names.length === 0) {
    result.skipped.push(`${folder}: no files`);
  }
  return result;
}
