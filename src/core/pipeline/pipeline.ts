import { JobNotReady, type JobContext, type JobHandlers } from '../meetings/jobs.js';
import type { OpenVault } from '../meetings/index.js';
import { transcribeMeeting } from '../meetings/transcription.js';
import type { FinalWindow } from '../meetings/final-pass.js';
import { finalDecoding, type TranscribeOptions } from '../asr/index.js';
import type { Scheduler } from '../scheduler/index.js';
import type { ModelHost } from '../llm/host.js';
import { resolveTemplate } from '../record/templates.js';
import { embedMissing, loadIndex, syncIndex } from '../search/store.js';
import { defaultThreads } from '../threads.js';
import { machinePolicy } from '../policy.js';
import type { Job, JobKind } from '../../shared/meetings.js';
import { summarizeMeeting } from './minutes.js';
import { afterSpeakers, diarizeStep, warmSpeakers } from './voices-step.js';
import type { ModelSource } from '../models/source.js';

/**
 * The meeting pipeline, the one both doors run: transcribe → speaker turns →
 * minutes → index. Each step is a job recorded in the vault before it runs,
 * and each step queues the next when it succeeds, so after a crash or a
 * restart the app and "greffier jobs --resume" finish a meeting the same way.
 */
export interface PipelineOptions {
  models: ModelSource;
  /** The model host, started only when a step needs a language or embedding model. */
  host: () => ModelHost;
  threads?: number;
  env?: NodeJS.ProcessEnv;
  /** Progress of the running step, 0..1 (the app turns it into events). */
  onProgress?: (job: Job, fraction: number) => void;
  /** Engine settings for the final pass beyond the models (tests: another whisper-cli, its log). */
  engine?: Pick<TranscribeOptions, 'whisperCli' | 'onLog'>;
  /** The final pass's audio done, the meeting's length and the time left (ms), window by window. */
  onTranscribeProgress?: (
    job: Job,
    progress: { doneMs: number; totalMs?: number; etaMs?: number },
  ) => void;
  /** Each final-pass window as it completes (the app shows its lines before the transcript is stored). */
  onTranscribeWindow?: (job: Job, window: FinalWindow) => void;
  /** The engines' scheduler (the app's one, shared with live transcription and questions). */
  scheduler?: Scheduler;
  /** Before the final pass: the app lets a recording's own pass finish its tail. */
  beforeTranscribe?: (meetingId: string) => Promise<void>;
  /** Before the minutes are written: the app settles the notes it wrote during the recording. */
  beforeMinutes?: (meetingId: string) => Promise<void>;
}

/** Queues a step for a meeting unless the same step is already waiting or running. */
export async function queueStep(
  jobs: OpenVault['jobs'],
  kind: JobKind,
  meetingId: string,
  params: Record<string, unknown> = {},
): Promise<void> {
  if (jobs.list({ meetingId, state: ['queued', 'running'] }).some((job) => job.kind === kind)) {
    return;
  }
  await jobs.enqueue(kind, meetingId, params);
}

export function meetingPipeline(options: PipelineOptions): JobHandlers {
  const threads = options.threads ?? defaultThreads();
  const withProgress = (context: JobContext): JobContext => ({
    ...context,
    progress: (fraction) => {
      context.progress(fraction);
      options.onProgress?.(context.job, fraction);
    },
  });

  return {
    transcribe: async (context) => {
      const { job, meetings, signal } = context;
      // A file the job names (greffier import --asr-model F) comes first, through the resolver too.
      const model = await options.models.resolve('asr', job.params.model as string | undefined);
      if (!model) {
        throw new JobNotReady(
          'no-asr-model',
          'no speech model to transcribe with',
          'import the models IT provided ("Models & settings", or "greffier models add F --kind asr")',
        );
      }
      const vadModel = await options.models.resolve(
        'vad',
        job.params.vadModel as string | undefined,
      );
      const step = withProgress(context);
      // A recording's own final pass finishes its tail first: its windows are then reused.
      await options.beforeTranscribe?.(job.meetingId);
      // The speakers step's worker loads its models meanwhile (not awaited: best effort).
      void warmSpeakers(options.models, threads);
      await transcribeMeeting(meetings, job.meetingId, {
        ...options.engine,
        model,
        ...(vadModel ? { vadModel } : {}),
        threads,
        decoding: finalDecoding(meetings.vault.getSettings(), machinePolicy(options.env)),
        ...(options.scheduler ? { scheduler: options.scheduler } : {}),
        ...(options.env ? { env: options.env } : {}),
        ...(signal ? { signal } : {}),
        onProgress: ({ doneMs, totalMs }) =>
          totalMs && step.progress(Math.min(1, doneMs / totalMs)),
        onWindow: (window) => options.onTranscribeWindow?.(job, window),
      });
      // Speakers from voices when both speaker models are installed, then the minutes.
      await queueStep(context.jobs, afterSpeakers(options.models, true), job.meetingId);
    },

    diarize: async (context) => {
      const { job, meetings, signal } = context;
      const step = withProgress(context);
      step.progress(0);
      await diarizeStep({ meetings, jobs: context.jobs }, job, options.models, {
        threads,
        ...(signal ? { signal } : {}),
      });
      step.progress(1);
      await queueStep(context.jobs, afterSpeakers(options.models, false), job.meetingId);
    },

    summarize: async (context) => {
      const { job, meetings, signal } = context;
      await options.beforeMinutes?.(job.meetingId);
      const path = await options.models.resolve('llm', job.params.model as string | undefined);
      if (!path) {
        throw new JobNotReady(
          'no-llm-model',
          'no language model to write minutes with',
          'import the models IT provided ("Models & settings", or "greffier models add F --kind llm")',
        );
      }
      const template = await resolveTemplate(
        meetings.vault,
        (job.params.template as string | undefined) ?? 'general',
      );
      const step = withProgress(context);
      step.progress(0);
      await summarizeMeeting({ vault: meetings.vault, meetings }, job.meetingId, {
        host: options.host(),
        model: { path, threads },
        template,
        ...(signal ? { signal } : {}),
        onChunk: () => step.progress(0.5),
      });
      step.progress(1);
      await queueStep(context.jobs, 'index', job.meetingId);
    },

    index: async (context) => {
      const { meetings, signal } = context;
      await updateIndex({ vault: meetings.vault, meetings }, { ...options, threads }, signal);
      withProgress(context).progress(1);
    },
  };
}

/**
 * The index step: new or changed meetings (re)indexed, deleted ones dropped,
 * and passages embedded when an embedding model is installed.
 */
export async function updateIndex(
  open: Pick<OpenVault, 'vault' | 'meetings'>,
  options: Pick<PipelineOptions, 'models' | 'host' | 'threads'>,
  signal?: AbortSignal,
): Promise<void> {
  const index = await loadIndex(open);
  await syncIndex(open, index);
  const embedding = await options.models.resolve('embedding');
  if (!embedding) return;
  const model = { path: embedding, threads: options.threads ?? defaultThreads() };
  await embedMissing(
    open,
    index,
    (texts, s) => options.host().embed(model, texts, s ? { signal: s } : {}),
    signal,
  );
}

/**
 * Meetings that would otherwise stay without a way forward: a recording
 * recovered after a crash or a reload, or one stopped before the pipeline
 * queued anything, that has audio but no transcript and no transcription
 * step. Both doors call this when the vault opens.
 */
export async function queueUnfinished(open: OpenVault): Promise<string[]> {
  const queued: string[] = [];
  for (const meeting of open.meetings.list()) {
    if (meeting.status === 'recording' || meeting.segmentCount > 0 || meeting.durationMs === 0) {
      continue;
    }
    if (open.jobs.list({ meetingId: meeting.id }).some((job) => job.kind === 'transcribe')) {
      continue;
    }
    await open.jobs.enqueue('transcribe', meeting.id, {});
    queued.push(meeting.id);
  }
  return queued;
}

export interface PipelineRun {
  ran: Job[];
  /** Jobs that could not start (a model is missing): they stay queued. */
  waiting: Job[];
}

/**
 * Runs queued jobs one at a time (two cores: engines never compete) until
 * none is left that can run, including the steps each job queues after
 * itself. Jobs waiting for a model are skipped, not retried in a loop.
 * Meetings left without a way forward (see queueUnfinished) are queued first.
 */
export async function runPipeline(
  open: OpenVault,
  handlers: JobHandlers,
  options: {
    /** Only this meeting's steps (an import runs its own meeting, not the whole queue). */
    meetingId?: string;
    signal?: AbortSignal;
    onStart?: (job: Job) => void;
    onDone?: (job: Job) => void;
  } = {},
): Promise<PipelineRun> {
  const ran: Job[] = [];
  const waiting = new Map<string, Job>();
  // Recovered recordings and the like get their first step before the queue is read.
  if (!open.vault.isLocked) await queueUnfinished(open);
  for (;;) {
    if (options.signal?.aborted || open.vault.isLocked) break;
    const next = open.jobs
      .pending()
      .find(
        (job) =>
          !waiting.has(job.id) && (!options.meetingId || job.meetingId === options.meetingId),
      );
    if (!next) break;
    if (!handlers[next.kind]) {
      waiting.set(next.id, next);
      continue;
    }
    options.onStart?.(next);
    const done = await open.jobs.run(next.id, handlers, options.signal);
    options.onDone?.(done);
    if (done.state === 'queued') waiting.set(done.id, done);
    else ran.push(done);
  }
  return { ran, waiting: [...waiting.values()] };
}
