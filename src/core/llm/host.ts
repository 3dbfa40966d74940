import { existsSync } from 'node:fs';
import { GreffierError } from '../errors.js';
import {
  CAN_PAUSE_PROCESSES,
  type PreemptionRule,
  type Priority,
  type Scheduler,
} from '../scheduler/index.js';
import { HostFreeze } from './host-freeze.js';
import { forkLauncher, type HostLauncher, type HostTransport } from './host-transport.js';
import {
  HostEventSchema,
  languageModelKey,
  ResultSchemas,
  type GenerateResult,
  type HostEvent,
  type JobSpec,
  type ModelInfo,
  type ModelRef,
} from './protocol.js';

export {
  forkLauncher,
  hostEntry,
  utilityProcessLauncher,
  type HostLauncher,
  type HostTransport,
  type UtilityProcessLike,
} from './host-transport.js';

/**
 * The app's side of the model host: one process for node-llama-cpp, one queue
 * so two jobs never fight for the CPU, models loaded on demand and unloaded
 * when idle, and a crashed host replaced on the next request.
 */

export interface JobOptions {
  signal?: AbortSignal;
  /** Streamed text as the model writes it. */
  onToken?: (text: string) => void;
  onProgress?: (stage: 'loading' | 'generating', fraction: number) => void;
  /**
   * With the host's scheduler: a question pre-empts notes (a notes job cut
   * short is cancelled in the host and run again once the question is done),
   * and live transcription or a question's hearing pre-empt both (the host
   * is frozen meanwhile). Without a priority, jobs run as they come.
   */
  priority?: 'question' | 'notes';
}

/**
 * How a notes job gives way: to a question it gives up the host (cancelled,
 * run again afterwards: the question needs the host itself); to anything
 * else (a live window, a question's hearing) the host is frozen where it is
 * and goes on afterwards, so the cores are free at once instead of after
 * the piece of prompt being read, and nothing is read twice.
 */
export const notesPreemption = (by: Priority) =>
  by === 'question' || !CAN_PAUSE_PROCESSES ? 'restart' : 'pause';

/** How a host job of this priority gives way: frozen where the process can be, notes by who pre-empts. */
const preemptionOf = (priority: Priority): PreemptionRule =>
  priority === 'notes' ? notesPreemption : CAN_PAUSE_PROCESSES ? 'pause' : 'restart';

export interface ModelHostOptions {
  launcher?: HostLauncher;
  /** Unload models after this long without a job (ms); 0 keeps them. */
  idleUnloadMs?: number;
  /** The engines' scheduler (the app's), for jobs that give a priority. */
  scheduler?: Scheduler;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  options: JobOptions;
  kind: JobSpec['kind'];
}

function cancelled(): GreffierError {
  return new GreffierError('cancelled', 'the job was cancelled', {
    hint: 'start it again when you are ready',
  });
}

export class ModelHost {
  private transport: HostTransport | undefined;
  private readonly launcher: HostLauncher;
  private readonly idleUnloadMs: number;
  /** The engines' scheduler the host's prioritised jobs run under (the app's), if any. */
  readonly scheduler: Scheduler | undefined;
  private readonly pending = new Map<number, Pending>();
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** How many host processes were started (a restart after a crash adds one). */
  starts = 0;
  private readonly freeze = new HostFreeze(() => this.transport?.pid);
  /**
   * The language model the host holds or is loading (languageModelKey of the
   * last language job sent), and whether a job has finished with it loaded.
   * A job for another model makes the host drop this one: from its sending,
   * nothing may assume this one is there.
   */
  private hostModel: { key: string; loaded: boolean } | undefined;
  /** Reservations in force, per priority (see reserve()). */
  private readonly reserved = new Map<Priority, number>();

  constructor(options: ModelHostOptions = {}) {
    this.launcher = options.launcher ?? forkLauncher;
    this.idleUnloadMs = options.idleUnloadMs ?? 60_000;
    this.scheduler = options.scheduler;
  }

  /** Time the host process has spent frozen so far, ms, a freeze under way included (the bench prints it). */
  get frozenMs(): number {
    return this.freeze.frozenMs;
  }

  /** Process id of the running host, if one is running. */
  get pid(): number | undefined {
    return this.transport?.pid;
  }

  info(model: ModelRef, options: JobOptions = {}): Promise<ModelInfo> {
    return this.enqueue({ kind: 'info', model }, options) as Promise<ModelInfo>;
  }

  /**
   * Token counts with the model's own tokenizer (chunking derives from these).
   * With the model already loaded, a count goes straight to the host, beside
   * the job it is running: it only tokenizes, and a question's passages must
   * not wait for a notes piece to be read before they are even chosen. Any
   * other count (a model to load first) waits its turn.
   */
  async count(model: ModelRef, texts: string[], options: JobOptions = {}): Promise<number[]> {
    if (texts.length === 0) return [];
    const job = { kind: 'count', model, texts } as const;
    const beside =
      this.queued > 0 &&
      this.hostModel?.loaded === true &&
      this.hostModel.key === languageModelKey(model);
    const result = (await (beside ? this.run(job, options) : this.enqueue(job, options))) as {
      counts: number[];
    };
    return result.counts;
  }

  generate(
    job: Omit<Extract<JobSpec, { kind: 'generate' }>, 'kind'>,
    options: JobOptions = {},
  ): Promise<GenerateResult> {
    return this.enqueue({ kind: 'generate', ...job }, options) as Promise<GenerateResult>;
  }

  /**
   * Reads a prompt into a lane's sequence ahead of the generate job that will
   * start the same way (see PreloadJobSchema). Safe to cancel: what was read
   * stays read.
   */
  preload(
    job: Omit<Extract<JobSpec, { kind: 'preload' }>, 'kind'>,
    options: JobOptions = {},
  ): Promise<{ inputTokens: number; ms: number }> {
    return this.enqueue({ kind: 'preload', ...job }, options) as Promise<{
      inputTokens: number;
      ms: number;
    }>;
  }

  async embed(model: ModelRef, texts: string[], options: JobOptions = {}): Promise<number[][]> {
    if (texts.length === 0) return [];
    const result = (await this.enqueue({ kind: 'embed', model, texts }, options)) as {
      vectors: number[][];
    };
    return result.vectors;
  }

  /**
   * Freezes the host process (SIGSTOP) while `work` runs, then lets it go on
   * (SIGCONT) where it was: another engine (whisper hearing a question) gets
   * both cores at once, even while the host is inside a prompt's evaluation
   * that no cancel can interrupt. Nothing it had read is lost.
   */
  async whileFrozen<T>(work: () => Promise<T>): Promise<T> {
    const freeze = this.freeze.holder();
    freeze.pause();
    try {
      return await work();
    } finally {
      freeze.resume();
    }
  }

  /** Stops the host process; pending jobs fail, later ones are refused. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const transport = this.transport;
    this.transport = undefined;
    transport?.kill();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new GreffierError('llm-host-closed', 'the model host was closed'));
    }
  }

  /**
   * Keeps the host for one priority's jobs until `until` settles: a held
   * question reads ahead, job after job, while the official speaks. Each of
   * its jobs alone would pre-empt the meeting's notes, and between two of
   * them the notes came back and started a piece of prompt that no cancel
   * interrupts, so every job of the question waited for a notes piece (a
   * question asked during notes had its first token at 10 s instead of
   * 6 s). Reserved, the notes give way once and stay out until the question
   * is answered; the question's jobs go straight to the host. Live windows
   * and the question's hearing still freeze the host meanwhile.
   */
  reserve(priority: Priority, until: Promise<unknown>): void {
    const { scheduler } = this;
    if (!scheduler) return;
    this.reserved.set(priority, (this.reserved.get(priority) ?? 0) + 1);
    const release = () => {
      const left = (this.reserved.get(priority) ?? 1) - 1;
      if (left > 0) this.reserved.set(priority, left);
      else this.reserved.delete(priority);
    };
    void scheduler
      .run(
        priority,
        async (task) => {
          task.hold(this.freeze.holder());
          await until.catch(() => undefined);
        },
        { preemption: preemptionOf(priority), label: 'reserved' },
      )
      .catch(() => undefined)
      .finally(release);
  }

  private enqueue(job: JobSpec, options: JobOptions): Promise<unknown> {
    const { scheduler } = this;
    const { priority } = options;
    // A reserved priority's jobs skip the scheduler: queued behind the reservation, they would wait for it.
    if (!scheduler || !priority || this.reserved.has(priority))
      return this.enqueueNow(job, options);
    // The scheduler's pre-emption hook: the host process is frozen while more urgent work
    // runs, except for notes giving way to a question (cancelled in the host, run again).
    return scheduler.run(
      priority,
      (task) => {
        task.hold(this.freeze.holder());
        const signal = options.signal
          ? AbortSignal.any([options.signal, task.signal])
          : task.signal;
        return this.enqueueNow(job, { ...options, signal });
      },
      {
        preemption: preemptionOf(priority),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  }

  private enqueueNow(job: JobSpec, options: JobOptions): Promise<unknown> {
    if (this.closed) {
      return Promise.reject(
        new GreffierError('llm-host-closed', 'the model host was closed', {
          hint: 'create a new one',
        }),
      );
    }
    if (!existsSync(job.model.path)) {
      return Promise.reject(
        new GreffierError('llm-model-missing', `no model file at ${job.model.path}`, {
          hint: 'give an existing GGUF file, or install one with "greffier models add FILE --kind llm"',
        }),
      );
    }
    this.queued++;
    clearTimeout(this.idleTimer);
    const run = this.queue.then(
      () => this.run(job, options),
      () => this.run(job, options),
    );
    this.queue = run.catch(() => undefined);
    return run.finally(() => {
      this.queued--;
      if (this.queued === 0) this.becomeIdle();
    });
  }

  private becomeIdle(): void {
    this.transport?.setIdle?.(true);
    if (this.idleUnloadMs > 0) {
      this.idleTimer = setTimeout(() => {
        this.hostModel = undefined;
        this.transport?.send({ type: 'unload' });
      }, this.idleUnloadMs);
      this.idleTimer.unref();
    }
  }

  private ensureTransport(): HostTransport {
    if (this.transport) return this.transport;
    const transport = this.launcher();
    this.starts++;
    // Started while a holder wants the host frozen: it starts frozen.
    this.freeze.started(transport.pid);
    transport.onMessage((raw) => this.onEvent(raw));
    transport.onExit((description) => {
      if (this.transport === transport) this.transport = undefined;
      this.hostModel = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(
          new GreffierError(
            'llm-host-crashed',
            `the model host ${description} during a ${p.kind} job`,
            {
              hint: 'it restarts on the next request; if this repeats, check the model file and free memory',
            },
          ),
        );
      }
    });
    this.transport = transport;
    return transport;
  }

  private run(job: JobSpec, options: JobOptions): Promise<unknown> {
    if (options.signal?.aborted) return Promise.reject(cancelled());
    const transport = this.ensureTransport();
    transport.setIdle?.(false);
    const id = this.nextId++;
    const key = job.kind === 'embed' ? undefined : languageModelKey(job.model);
    if (key !== undefined && this.hostModel?.key !== key) this.hostModel = { key, loaded: false };
    return new Promise((resolve, reject) => {
      const onAbort = () => transport.send({ type: 'cancel', id });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        options,
        kind: job.kind,
        resolve: (value) => {
          options.signal?.removeEventListener('abort', onAbort);
          if (key !== undefined && this.hostModel?.key === key) this.hostModel.loaded = true;
          resolve(value);
        },
        reject: (error) => {
          options.signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      transport.send({ type: 'run', id, job });
    });
  }

  private onEvent(raw: unknown): void {
    const parsed = HostEventSchema.safeParse(raw);
    if (!parsed.success) return;
    const event: HostEvent = parsed.data;
    if (event.type === 'ready') return;
    const p = this.pending.get(event.id);
    if (!p) return;
    switch (event.type) {
      case 'progress':
        p.options.onProgress?.(event.stage, event.fraction);
        return;
      case 'token':
        p.options.onToken?.(event.text);
        return;
      case 'result': {
        this.pending.delete(event.id);
        const checked = ResultSchemas[p.kind].safeParse(event.result);
        if (checked.success) p.resolve(checked.data);
        else {
          p.reject(
            new GreffierError('llm-protocol', `the model host sent a malformed ${p.kind} result`, {
              hint: 'rebuild the app ("npm run build") so both processes match',
            }),
          );
        }
        return;
      }
      case 'error':
        this.pending.delete(event.id);
        if (event.code === 'cancelled') p.reject(cancelled());
        else {
          p.reject(
            new GreffierError(event.code, event.message, event.hint ? { hint: event.hint } : {}),
          );
        }
        return;
    }
  }
}
