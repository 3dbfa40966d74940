import type { ModelKind } from '../../shared/meetings.js';
import type { Vault } from '../vault/vault.js';
import { requireModel, resolveModel } from './resolver.js';

/**
 * Which model file each engine loads: the one answer both doors give. The
 * app, the browser host and the CLI build one of these per open vault; every
 * load of every kind goes through the resolver, so every load is re-verified
 * the same way.
 */
export interface ModelSource {
  /** Whether a model of this kind is available (given, installed or fallback), without touching its bytes. */
  has(kind: ModelKind): boolean;
  /**
   * The file to load (`explicit`: a file a job or command named), checked against the bytes recorded when it was
   * installed (a changed file is refused, naming it); undefined when none.
   */
  resolve(kind: ModelKind, explicit?: string): Promise<string | undefined>;
  /** The same, for a step that cannot do without: none is an error saying what to install. */
  require(kind: ModelKind, explicit?: string): Promise<string>;
}

export interface ModelSourceOptions {
  /** Files given for this run (CLI flags): used as given (checked), never installed. */
  explicit?: Partial<Record<ModelKind, string>>;
  /** Development and tests: generated models used when the vault has none of a kind. */
  fallback?: Partial<Record<ModelKind, string>>;
  env?: NodeJS.ProcessEnv;
}

/** The run's explicit files, then the vault's installed models, then development fallbacks. */
export function vaultModelSource(
  open: { vault: Vault },
  options: ModelSourceOptions = {},
): ModelSource {
  // A file named for one job (its params) comes before the run's flags.
  const resolving = (kind: ModelKind, explicit?: string) => ({
    explicit: explicit ?? options.explicit?.[kind],
    fallback: options.fallback?.[kind],
    ...(options.env ? { env: options.env } : {}),
  });
  return {
    has(kind) {
      if (open.vault.isLocked) return false;
      const settings = open.vault.getSettings();
      // The final pass and imports trim silence with the installed VAD unless turned off.
      if (kind === 'vad' && settings.useVad === false && !options.explicit?.vad) return false;
      return Boolean(
        options.explicit?.[kind] || settings.models[kind]?.length || options.fallback?.[kind],
      );
    },
    resolve: (kind, explicit) => resolveModel(open.vault, kind, resolving(kind, explicit)),
    require: (kind, explicit) => requireModel(open.vault, kind, resolving(kind, explicit)),
  };
}
