import { GreffierError } from '../errors.js';
import { modelForLoading } from './installed.js';
import type { ModelKind } from '../../shared/meetings.js';
import type { Vault } from '../vault/vault.js';

/**
 * Which model file each engine loads: the one answer both doors give. The
 * app, the browser host and the CLI build one of these per open vault; every
 * load of every kind asks it, so every load is re-verified the same way.
 */
export interface ModelSource {
  /** Whether a model of this kind is available (installed, given or fallback), without touching its bytes. */
  has(kind: ModelKind): boolean;
  /**
   * The file to load, checked against the bytes recorded when it was
   * installed (a changed file is refused, naming it); undefined when none.
   */
  resolve(kind: ModelKind): Promise<string | undefined>;
}

export interface ModelSourceOptions {
  /** Files given for this run (CLI flags): used as given, never installed. */
  explicit?: Partial<Record<ModelKind, string>>;
  /** Development and tests: generated models used when the vault has none of a kind. */
  fallback?: Partial<Record<ModelKind, string>>;
}

/** The vault's installed models, then the run's explicit files, then development fallbacks. */
export function vaultModelSource(
  open: { vault: Vault },
  options: ModelSourceOptions = {},
): ModelSource {
  const installed = (kind: ModelKind) =>
    !open.vault.isLocked && (open.vault.getSettings().models[kind]?.length ?? 0) > 0;
  // The final pass and imports trim silence with the installed VAD unless the clerk turned it off.
  const wanted = (kind: ModelKind) =>
    kind !== 'vad' || open.vault.isLocked || open.vault.getSettings().useVad !== false;
  return {
    has(kind) {
      if (!wanted(kind)) return false;
      return Boolean(options.explicit?.[kind]) || installed(kind) || Boolean(options.fallback?.[kind]);
    },
    async resolve(kind) {
      if (!wanted(kind)) return undefined;
      const explicit = options.explicit?.[kind];
      if (explicit) return explicit;
      if (installed(kind)) return (await modelForLoading(open.vault, kind)).path;
      return options.fallback?.[kind];
    },
  };
}

const KIND_NAMES: Record<ModelKind, string> = {
  asr: 'transcription',
  vad: 'voice-activity (VAD)',
  llm: 'language',
  embedding: 'embedding',
};

/** The model a step cannot do without: its absence is said the same way by both doors. */
export async function requireModel(models: ModelSource, kind: ModelKind): Promise<string> {
  const path = await models.resolve(kind);
  if (path) return path;
  throw new GreffierError('no-model', `No ${KIND_NAMES[kind]} model is installed.`, {
    hint: 'Import the models IT provided ("Models & settings", or "greffier models add F --kind ' + kind + '").',
  });
}
