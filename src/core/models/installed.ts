import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ModelView } from '../../shared/api.js';
import type { InstalledModel, ModelKind, Settings } from '../../shared/meetings.js';
import { GreffierError } from '../errors.js';
import { ensureModelUnchanged, type VerifiedModel } from './verify.js';

/** The part of the vault this module needs: its settings, read and patched. */
export interface ModelSettingsStore {
  getSettings(): Settings;
  updateSettings(patch: Partial<Settings>): Promise<Settings>;
}

/**
 * Records a verified model in the vault settings and makes it the default
 * for its kind. Adding the same path again replaces its record (e.g. after
 * the file was replaced and verified anew).
 */
export async function installModel(
  store: ModelSettingsStore,
  verified: VerifiedModel,
  options: { makeDefault?: boolean; now?: Date } = {},
): Promise<InstalledModel> {
  const models = { ...store.getSettings().models };
  const existing = models[verified.kind] ?? [];
  const others = existing.filter((m) => m.path !== verified.path);
  const makeDefault = options.makeDefault ?? true;
  const record: InstalledModel = {
    path: verified.path,
    sha256: verified.sha256,
    size: verified.size,
    mtimeMs: verified.mtimeMs,
    verifiedAt: (options.now ?? new Date()).toISOString(),
    ...(verified.entry ? { catalogueId: verified.entry.id } : {}),
    // The first model of a kind is its default whatever the caller asked.
    default: makeDefault || !others.some((m) => m.default),
  };
  models[verified.kind] = [
    ...others.map((m) => (record.default ? { ...m, default: false } : m)),
    record,
  ];
  await store.updateSettings({ models });
  return record;
}

/** Status of every installed model from size and mtime alone (cheap enough for a screen). */
export function installedModelViews(settings: Settings): ModelView[] {
  const views: ModelView[] = [];
  for (const [kind, models] of Object.entries(settings.models) as [ModelKind, InstalledModel[]][]) {
    for (const model of models) {
      views.push({
        kind,
        fileName: basename(model.path),
        path: model.path,
        sizeBytes: model.size,
        verification: quickStatus(model),
        isDefault: model.default,
      });
    }
  }
  return views;
}

function quickStatus(model: InstalledModel): ModelView['verification'] {
  let size: number;
  let mtimeMs: number;
  try {
    ({ size, mtimeMs } = statSync(model.path));
  } catch {
    return 'missing';
  }
  // A moved mtime with the same size may be a harmless touch: loading rechecks the bytes.
  if (size !== model.size) return 'changed';
  if (mtimeMs !== model.mtimeMs) return 'unchecked';
  return model.catalogueId ? 'verified' : 'trusted-unlisted';
}

const KIND_WORDS: Record<ModelKind, string> = {
  asr: 'transcription',
  vad: 'voice-activity (VAD)',
  llm: 'language',
  embedding: 'embedding',
};

/**
 * The default model of a kind, checked against the bytes recorded when it
 * was verified: what an engine calls right before loading. A file that was
 * only touched is accepted and its new mtime recorded.
 */
export async function modelForLoading(
  store: ModelSettingsStore,
  kind: ModelKind,
  options: { full?: boolean; signal?: AbortSignal } = {},
): Promise<InstalledModel> {
  const installed = store.getSettings().models[kind] ?? [];
  const chosen = installed.find((m) => m.default) ?? installed[0];
  if (!chosen) {
    throw new GreffierError('no-model', `no ${KIND_WORDS[kind]} model is installed in this vault`, {
      hint: `install one with "greffier models add <file> --kind ${kind}" (see "greffier models catalogue")`,
    });
  }
  const { mtimeMs } = await ensureModelUnchanged(chosen, options);
  if (mtimeMs !== chosen.mtimeMs) {
    const models = { ...store.getSettings().models };
    models[kind] = installed.map((m) => (m.path === chosen.path ? { ...m, mtimeMs } : m));
    await store.updateSettings({ models });
    return { ...chosen, mtimeMs };
  }
  return chosen;
}

export interface ModelCheck {
  kind: ModelKind;
  path: string;
  status: 'unchanged' | 'changed' | 'missing';
  detail?: string;
}

/**
 * Computes the checksum of every installed model again (IT's periodic
 * check): slow for big models, but it is the only proof the bytes are the
 * ones verified. Files that were only touched get their new mtime recorded.
 */
export async function checkInstalledModels(
  store: ModelSettingsStore,
  options: { signal?: AbortSignal } = {},
): Promise<ModelCheck[]> {
  const checks: ModelCheck[] = [];
  const models = { ...store.getSettings().models };
  let touched = false;
  for (const [kind, installed] of Object.entries(models) as [ModelKind, InstalledModel[]][]) {
    models[kind] = [];
    for (const model of installed) {
      let record = model;
      try {
        const { mtimeMs } = await ensureModelUnchanged(model, { full: true, ...options });
        if (mtimeMs !== model.mtimeMs) {
          record = { ...model, mtimeMs };
          touched = true;
        }
        checks.push({ kind, path: model.path, status: 'unchanged' });
      } catch (error) {
        if (!(error instanceof GreffierError)) throw error;
        checks.push({
          kind,
          path: model.path,
          status: error.code === 'model-missing' ? 'missing' : 'changed',
          detail: error.message,
        });
      }
      models[kind].push(record);
    }
  }
  if (touched) await store.updateSettings({ models });
  return checks;
}
