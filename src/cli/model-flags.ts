import { ModelHost } from '../core/llm/host.js';
import type { JobHandlers, OpenVault } from '../core/meetings/index.js';
import { vaultModelSource, type ModelSource } from '../core/models/source.js';
import { meetingPipeline } from '../core/pipeline/pipeline.js';
import { positiveInteger, type CommandIo } from './command.js';

/** The model flags a command may take; each overrides the vault's installed model of its kind. */
export interface ModelFlags {
  'asr-model'?: string | undefined;
  'vad-model'?: string | undefined;
  'llm-model'?: string | undefined;
  'embedding-model'?: string | undefined;
  'segmentation-model'?: string | undefined;
  'voiceprint-model'?: string | undefined;
}

/** The CLI's model source: the flags given, else what the vault has installed (re-verified). */
export function cliModelSource(
  open: Pick<OpenVault, 'vault'>,
  flags: ModelFlags,
  env?: NodeJS.ProcessEnv,
): ModelSource {
  const explicit = {
    ...(flags['asr-model'] ? { asr: flags['asr-model'] } : {}),
    ...(flags['vad-model'] ? { vad: flags['vad-model'] } : {}),
    ...(flags['llm-model'] ? { llm: flags['llm-model'] } : {}),
    ...(flags['embedding-model'] ? { embedding: flags['embedding-model'] } : {}),
    ...(flags['segmentation-model'] ? { segmentation: flags['segmentation-model'] } : {}),
    ...(flags['voiceprint-model'] ? { voiceprint: flags['voiceprint-model'] } : {}),
  };
  return vaultModelSource(open, { explicit, ...(env ? { env } : {}) });
}

/**
 * The meeting pipeline as the CLI runs it: the same handlers as the app's,
 * with the models the flags name (else the vault's). The model host starts
 * only if a step needs it; `close` stops it.
 */
export function cliPipeline(
  open: OpenVault,
  flags: ModelFlags & { threads?: string | undefined },
  io: CommandIo,
): { handlers: JobHandlers; close(): Promise<void> } {
  const threads = positiveInteger(flags.threads, '--threads');
  let host: ModelHost | undefined;
  const handlers = meetingPipeline({
    models: cliModelSource(open, flags, io.env),
    host: () => (host ??= new ModelHost()),
    ...(threads ? { threads } : {}),
    env: io.env,
    // Long imports say where they are and how long is left, one line per window.
    onTranscribeProgress: (_job, { doneMs, totalMs, etaMs }) => {
      // On a terminal only: scripts and pipes get a quiet standard error.
      if (!totalMs || !(io.stderr as { isTTY?: boolean }).isTTY) return;
      const clock = (ms: number) =>
        `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;
      const left = etaMs === undefined ? '' : `, about ${Math.ceil(etaMs / 60_000)} min left`;
      io.stderr.write(`greffier: transcribed ${clock(doneMs)} of ${clock(totalMs)}${left}\n`);
    },
  });
  return { handlers, close: async () => host?.close() };
}
