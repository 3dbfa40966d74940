import { GreffierError, UsageError } from '../../core/errors.js';
import { runPipeline } from '../../core/pipeline/pipeline.js';
import { clearPrivateTemp } from '../../core/tempfiles.js';
import type { Job } from '../../shared/meetings.js';
import { parseCommandArgs, positiveInteger, writeLine, type Command } from '../command.js';
import { cliPipeline } from '../model-flags.js';
import { PASS, passOption, withOpenVault } from '../vault-session.js';

function jobLine(j: Job): string {
  return [j.id, j.kind.padEnd(10), j.state.padEnd(7), j.meetingId, j.error ? `— ${j.error}` : '']
    .join('  ')
    .trimEnd();
}

export const jobsCommand: Command = {
  path: ['jobs'],
  summary: 'list transcription/summary jobs, or resume unfinished ones',
  usage: `
Usage: greffier jobs [--resume] [--json] [--asr-model <file>]

Options:
  --resume            run every queued job (interrupted ones are queued again on open):
                      transcription (whisper), minutes (the vault's language model), search index
                      — the same steps, in the same order, as the app runs them
  --asr-model <file>  whisper.cpp model for transcription jobs that name none (default: the vault's)
  --vad-model <file>  Silero VAD model (default: the vault's)
  --llm-model <file>  GGUF language model for the minutes (default: the vault's)
  --embedding-model <file>  embedding GGUF for the index (default: the vault's, if any)
  --threads <n>       CPU threads for the engines
  --json              JSON output
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      resume: { type: 'boolean' },
      json: { type: 'boolean' },
      'asr-model': { type: 'string' },
      'vad-model': { type: 'string' },
      'llm-model': { type: 'string' },
      'embedding-model': { type: 'string' },
      threads: { type: 'string' },
    });
    if (positionals.length)
      throw new UsageError(`jobs takes no arguments, not "${positionals.join(' ')}"`);
    positiveInteger(values.threads, '--threads');
    if (values.resume) clearPrivateTemp(io.env);
    const result = await withOpenVault(io, values['passphrase-file'], async (open) => {
      if (!values.resume) return { jobs: open.jobs.list() };
      // The app's pipeline, step by step: transcript, speaker turns, minutes, index.
      const pipeline = cliPipeline(open, values, io);
      try {
        const { ran, waiting } = await runPipeline(open, pipeline.handlers, { signal: io.signal });
        return { jobs: open.jobs.list(), ran, waiting };
      } finally {
        await pipeline.close();
      }
    });
    if (values.json) return writeLine(io.stdout, JSON.stringify(result, null, 2));
    if ('ran' in result) {
      for (const j of result.ran ?? []) writeLine(io.stdout, `ran ${jobLine(j)}`);
      for (const j of result.waiting ?? []) writeLine(io.stdout, `waiting ${jobLine(j)}`);
      if (!result.ran?.length && !result.waiting?.length) writeLine(io.stdout, 'no queued jobs');
      const failed = result.ran?.filter((j) => j.state === 'failed') ?? [];
      if (failed.length) {
        throw new GreffierError(
          'jobs-failed',
          `${failed.length} job(s) failed: ${failed.map((j) => `${j.id} (${j.error})`).join('; ')}`,
          { hint: 'the audio is safe; fix the cause, then run the jobs again' },
        );
      }
      if (result.waiting?.length) {
        const first = result.waiting[0]!;
        throw new GreffierError(
          'jobs-waiting',
          `${result.waiting.length} job(s) could not start and stay queued: ${first.error ?? `no ${first.kind} engine is available here`}`,
          { hint: 'then run "greffier jobs --resume" again' },
        );
      }
      return;
    }
    if (result.jobs.length === 0) return writeLine(io.stdout, 'no jobs');
    for (const j of result.jobs) writeLine(io.stdout, jobLine(j));
  },
};
