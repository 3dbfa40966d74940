import { lstatSync } from 'node:fs';
import { basename } from 'node:path';
import type { ModelView } from '../../shared/api.js';
import type { InstalledModel, ModelKind, Settings } from '../../shared/meetings.js';
import { appendAudit } from '../audit/index.js';
import { GreffierError } from '../errors.js';
import { Vault } from '../vault/vault.js';
import {
  ensureModelUnchanged,
  fingerprintOf,
  sameFingerprint,
  type VerifiedModel,
} from './verify.js';

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
    ...(verified.ino !== undefined ? { ino: verified.ino } : {}),
    ...(verified.ctimeMs !== undefined ? { ctimeMs: verified.ctimeMs } : {}),
    ...(verified.source !== undefined && verified.source !== verified.path
      ? { source: verified.source }
      : {}),
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
  if (store instanceof Vault) {
    await appendAudit(store, {
      action: 'model.added',
      details: { kind: verified.kind, file: basename(verified.path), sha256: verified.sha256 },
    });
  }
  return record;
}

/**
 * Makes an installed model the one its kind uses (Settings' « Utiliser par
 * défaut »): a model imported after the default stays unused otherwise, and a
 * damaged default was a dead end (the walk).
 */
export async function makeDefaultModel(
  store: ModelSettingsStore,
  kind: ModelKind,
  path: string,
): Promise<void> {
  const installed = store.getSettings().models[kind] ?? [];
  if (!installed.some((m) => m.path === path)) {
    throw new GreffierError('model-missing', `${path} is not an installed ${kind} model`, {
      hint: 'choose one of the models listed in Models & settings',
    });
  }
  const models = { ...store.getSettings().models };
  models[kind] = installed.map((m) => ({ ...m, default: m.path === path }));
  await store.updateSettings({ models });
  if (store instanceof Vault) {
    await appendAudit(store, { action: 'model.default', details: { kind, file: basename(path) } });
  }
}

/** Status of every installed model from its fingerprint alone (cheap enough for a screen). */
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
  let info;
  try {
    info = lstatSync(model.path);
  } catch {
    return 'missing';
  }
  if (!info.isFile() || info.size !== model.size) return 'changed';
  // A moved fingerprint with the same size may be a harmless touch: loading rehashes the bytes.
  if (!sameFingerprint(fingerprintOf(info), model)) return 'unchecked';
  return model.catalogueId ? 'verified' : 'trusted-unlisted';
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
 * ones verified. Files that were only touched get their new fingerprint recorded.
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
        const fingerprint = await ensureModelUnchanged(model, { full: true, ...options });
        if (!sameFingerprint(fingerprint, model)) {
          record = { ...model, ...fingerprint };
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
