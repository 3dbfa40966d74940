import { GreffierError } from '../errors.js';
import type { Job, JobKind, MeetingStatus } from '../../shared/meetings.js';
import type { Meetings } from './meetings.js';
import { newId } from './meetings.js';

export interface JobContext {
  job: Job;
  meetings: Meetings;
  /** The queue itself, so a step can queue the next one. */
  jobs: Jobs;
  signal?: AbortSignal;
  /** Report progress (0..1); keeps the vault from locking itself while a long job runs. */
  progress(fraction: number): void;
}

/**
 * Thrown by a handler that cannot start yet (no model installed): the job
 * stays queued, the meeting keeps its status, and the error says what to do.
 */
export class JobNotReady extends GreffierError {
  constructor(code: string, message: string, hint: string) {
    super(code, message, { hint });
    this.name = 'JobNotReady';
  }
}

export type JobHandler = (context: JobContext) => Promise<void>;
export type JobHandlers = Partial<Record<JobKind, JobHandler>>;

const WORKING_STATUS: Partial<Record<JobKind, MeetingStatus>> = {
  transcribe: 'transcribing',
  summarize: 'summarising',
};

/**
 * Jobs are written to the catalogue (fsynced) BEFORE they run and marked
 * running before work starts, so a process killed at any point leaves a
 * record that the next open turns back into "queued" and resumes.
 */
export class Jobs {
  constructor(private readonly meetings: Meetings) {}

  private get data() {
    return this.meetings.vault.data;
  }

  async enqueue(
    kind: JobKind,
    meetingId: string,
    params: Record<string, unknown> = {},
  ): Promise<Job> {
    this.meetings.getMeeting(meetingId);
    const now = new Date().toISOString();
    const job: Job = {
      id: newId('j'),
      kind,
      meetingId,
      state: 'queued',
      params,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
    this.data.jobs.push(job);
    await this.meetings.vault.save();
    return structuredClone(job);
  }

  list(filter: { meetingId?: string; state?: Job['state'][] } = {}): Job[] {
    return this.data.jobs
      .filter((j) => !filter.meetingId || j.meetingId === filter.meetingId)
      .filter((j) => !filter.state || filter.state.includes(j.state))
      .map((j) => structuredClone(j));
  }

  /** Jobs still to do, oldest first. */
  pending(): Job[] {
    return this.list({ state: ['queued'] });
  }

  #find(jobId: string): Job {
    const job = this.data.jobs.find((j) => j.id === jobId);
    if (!job) {
      throw new GreffierError('no-job', `there is no job "${jobId}"`, {
        hint: 'run "greffier jobs" to see the jobs',
      });
    }
    return job;
  }

  /** Runs one job through its handler, recording each state change durably. */
  async run(jobId: string, handlers: JobHandlers, signal?: AbortSignal): Promise<Job> {
    const job = this.#find(jobId);
    const handler = handlers[job.kind];
    if (!handler) {
      throw new GreffierError(
        'no-job-handler',
        `no ${job.kind} engine is available to run job ${job.id}`,
        {
          hint:
            job.kind === 'transcribe'
              ? 'give a speech model with --asr-model, or install one with "greffier models add"'
              : `install a model for ${job.kind} jobs, then run "greffier jobs --resume"`,
        },
      );
    }
    const vault = this.meetings.vault;
    job.state = 'running';
    job.attempts += 1;
    delete job.error;
    delete job.errorCode;
    job.updatedAt = new Date().toISOString();
    const working = WORKING_STATUS[job.kind];
    const meeting = vault.data.meetings[job.meetingId];
    const before = meeting?.status;
    if (meeting && working) meeting.status = working;
    await vault.save();
    try {
      await handler({
        job: structuredClone(job),
        meetings: this.meetings,
        jobs: this,
        ...(signal ? { signal } : {}),
        progress: () => {
          if (!vault.isLocked) vault.touch();
        },
      });
      job.state = 'done';
      if (meeting && vault.data.meetings[job.meetingId]) {
        // A recovered meeting stays marked so (the clerk still sees it was interrupted).
        if (working || meeting.status === 'failed') {
          meeting.status = before === 'recovered' ? 'recovered' : 'ready';
        }
        if (meeting.status !== 'recovered') delete meeting.statusNote;
      }
      // A step that succeeds clears the earlier failures of the same step: the error is history.
      this.data.jobs = this.data.jobs.filter(
        (other) =>
          other === job ||
          other.meetingId !== job.meetingId ||
          other.kind !== job.kind ||
          other.state !== 'failed',
      );
    } catch (error) {
      // A missing model is not the job's fault: it waits in the queue for one.
      const waits = error instanceof JobNotReady;
      job.state = signal?.aborted || waits ? 'queued' : 'failed';
      job.error =
        error instanceof GreffierError
          ? error.oneLine()
          : String((error as Error)?.message ?? error);
      if (error instanceof GreffierError) job.errorCode = error.code;
      if (waits) job.attempts -= 1;
      // The error stays on the job (the page shows it there, translated); the meeting
      // itself is marked failed only when the failure leaves it with nothing to show.
      const nothingToShow = job.kind === 'transcribe' && (meeting?.segmentCount ?? 0) === 0;
      if (meeting && vault.data.meetings[job.meetingId] && !signal?.aborted && !waits) {
        meeting.status = nothingToShow
          ? 'failed'
          : before === 'failed'
            ? 'ready'
            : (before ?? 'ready');
        if (nothingToShow) meeting.statusNote = `${job.kind} failed: ${job.error}`;
      } else if (meeting && before) meeting.status = before;
    }
    job.updatedAt = new Date().toISOString();
    if (!vault.isLocked) await vault.save();
    return structuredClone(job);
  }

  /**
   * Runs every queued job in order. Jobs of a kind with no handler here
   * (e.g. no language model installed) stay queued and are listed apart.
   */
  async resume(
    handlers: JobHandlers,
    signal?: AbortSignal,
  ): Promise<{ ran: Job[]; waiting: Job[] }> {
    const ran: Job[] = [];
    const waiting: Job[] = [];
    for (const job of this.pending()) {
      if (signal?.aborted) break;
      if (!handlers[job.kind]) {
        waiting.push(job);
        continue;
      }
      const after = await this.run(job.id, handlers, signal);
      (after.state === 'queued' ? waiting : ran).push(after);
    }
    return { ran, waiting };
  }

  /** A failed job goes back to the queue (e.g. after installing the missing model). */
  async retry(jobId: string): Promise<Job> {
    const job = this.#find(jobId);
    job.state = 'queued';
    job.updatedAt = new Date().toISOString();
    await this.meetings.vault.save();
    return structuredClone(job);
  }
}
