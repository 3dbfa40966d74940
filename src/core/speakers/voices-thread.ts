import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { GreffierError } from '../errors.js';
import { startWorker } from '../worker-start.js';
import type { Diarization, DiarizeOptions, DiarizeTiming, VoiceModels } from './voices-engine.js';
import type { VoicesJob, VoicesReply, VoicesSetup } from './voices-worker.js';

const here = dirname(fileURLToPath(import.meta.url));

function failed(message: string, cause?: unknown): GreffierError {
  return new GreffierError('voices-failed', `speaker detection failed: ${message}`, {
    hint: 'check the speaker models ("greffier models list") and run the step again',
    ...(cause ? { cause } : {}),
  });
}

function cancelled(): GreffierError {
  return new GreffierError('cancelled', 'speaker detection was cancelled');
}

/** What starting a worker cost: the thread, the sherpa-onnx add-on, the models. */
export interface WorkerStart {
  /** From asking for the worker to its engine being ready. */
  startMs: number;
  addonMs: number;
  modelMs: number;
}

/**
 * One worker: it loads its engine when started and runs one job. Messages
 * (ready, then the answer) and failures (an error, an exit) settle promises
 * once, so a job can wait for a worker that is still loading.
 */
class VoicesWorker {
  readonly ready: Promise<WorkerStart>;
  readonly #worker: Worker;
  #answer: ((reply: VoicesReply) => void) | undefined;
  #fail: ((error: GreffierError) => void) | undefined;
  #ended = false;

  constructor(readonly setup: VoicesSetup) {
    const asked = performance.now();
    this.#worker = startWorker(here, 'voices-worker', { workerData: setup });
    this.ready = new Promise<WorkerStart>((resolve, reject) => {
      this.#answer = (reply) => {
        if ('ready' in reply) {
          resolve({
            startMs: performance.now() - asked,
            addonMs: reply.addonMs,
            modelMs: reply.modelMs,
          });
        } else if (!reply.ok) reject(failed(reply.message));
      };
      this.#fail = reject;
    });
    // A warm worker nobody has asked for yet must not fail the process with an unhandled rejection.
    this.ready.catch(() => undefined);
    this.#worker.on('message', (reply: VoicesReply) => this.#answer?.(reply));
    this.#worker.once('error', (error) => this.#fail?.(failed(error.message, error)));
    this.#worker.once('exit', (code) => {
      if (!this.#ended) {
        this.#fail?.(
          new GreffierError('voices-failed', `the speaker engine stopped (exit code ${code})`, {
            hint: 'check the speaker models ("greffier models list") and run the step again',
          }),
        );
      }
    });
  }

  /** A warm worker waiting for its job does not keep a finished CLI process alive. */
  idle(): void {
    this.#worker.unref();
  }

  /** Someone waits on it: the process stays up until it answers. */
  busy(): void {
    this.#worker.ref();
  }

  async run<T>(job: VoicesJob, signal?: AbortSignal): Promise<T> {
    let abort: (() => void) | undefined;
    try {
      if (signal?.aborted) throw cancelled();
      this.busy();
      await this.ready;
      return await new Promise<T>((resolve, reject) => {
        this.#answer = (reply) => {
          if ('ready' in reply) return;
          if (reply.ok) resolve(reply.result as T);
          else reject(failed(reply.message));
        };
        this.#fail = reject;
        abort = () => reject(cancelled());
        signal?.addEventListener('abort', abort, { once: true });
        this.#worker.postMessage(job, [job.samples.buffer as ArrayBuffer]);
      });
    } finally {
      if (abort) signal?.removeEventListener('abort', abort);
      this.end();
    }
  }

  end(): void {
    this.#ended = true;
    void this.#worker.terminate();
  }
}

function sameSetup(a: VoicesSetup, b: VoicesSetup): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** How long a warm worker waits for its step before it is ended (its models use memory). */
const WARM_FOR_MS = 10 * 60_000;
let warm: { worker: VoicesWorker; timer: NodeJS.Timeout } | undefined;

/**
 * Starts the diarization worker ahead of its step (while the final pass
 * runs): starting a thread, loading sherpa-onnx and preparing the models cost
 * a fixed part of a second that the step then does not wait for. One warm
 * worker at most; ended if no step takes it within WARM_FOR_MS. The caller
 * checks the models first (sherpa-onnx ends the process on a bad one).
 */
export function warmDiarizer(models: VoiceModels, threads: number): void {
  const setup: VoicesSetup = { task: 'diarize', models, threads };
  if (warm && sameSetup(warm.worker.setup, setup)) return;
  coolDiarizer();
  const worker = new VoicesWorker(setup);
  worker.idle();
  const timer = setTimeout(coolDiarizer, WARM_FOR_MS);
  timer.unref();
  warm = { worker, timer };
}

/** The warm worker's start once it is ready; undefined when none is warm (tests, the bench). */
export async function warmedReady(): Promise<WorkerStart | undefined> {
  const worker = warm?.worker;
  if (!worker) return undefined;
  worker.busy();
  try {
    return await worker.ready;
  } finally {
    if (warm?.worker === worker) worker.idle();
  }
}

/** Ends the warm worker, if any (the vault locked, the models changed). */
export function coolDiarizer(): void {
  if (!warm) return;
  clearTimeout(warm.timer);
  warm.worker.end();
  warm = undefined;
}

/** The warm worker when it was started for these models, else a new one. */
function takeWorker(setup: VoicesSetup): { worker: VoicesWorker; warmed: boolean } {
  if (warm && sameSetup(warm.worker.setup, setup)) {
    const { worker, timer } = warm;
    clearTimeout(timer);
    warm = undefined;
    return { worker, warmed: true };
  }
  // Warmed for other models (the job names its own): of no use now.
  coolDiarizer();
  return { worker: new VoicesWorker(setup), warmed: false };
}

/** Where the step's time went, for the benchmark's account. */
export interface DiarizeCost extends DiarizeTiming, WorkerStart {
  /** The worker was started ahead (warmDiarizer): its start was not waited for in full. */
  warmed: boolean;
  /** Time spent waiting for the worker to be ready once the job asked for it. */
  waitedMs: number;
}

/** Diarization in a worker thread; `samples` is handed over (transferred) and unusable after. */
export async function diarizeInWorker(
  samples: Float32Array,
  models: VoiceModels,
  options: DiarizeOptions & { voiceprints?: boolean } = {},
  signal?: AbortSignal,
): Promise<Diarization & { cost: DiarizeCost }> {
  const { threads = 1, ...rest } = options;
  const { worker, warmed } = takeWorker({ task: 'diarize', models, threads });
  worker.busy();
  const asked = performance.now();
  const start = await worker.ready.catch((error: unknown) => {
    worker.end();
    throw error;
  });
  const waitedMs = performance.now() - asked;
  const { timing, ...result } = await worker.run<Diarization & { timing: DiarizeTiming }>(
    { task: 'diarize', samples, options: rest },
    signal,
  );
  return { ...result, cost: { ...start, ...timing, warmed, waitedMs } };
}

/** One voiceprint of some ranges of the samples, in a worker thread. */
export function voiceprintInWorker(
  samples: Float32Array,
  ranges: { startMs: number; endMs: number }[],
  model: string,
  threads = 1,
): Promise<number[] | undefined> {
  const worker = new VoicesWorker({ task: 'voiceprint', model, threads });
  return worker.run<number[] | undefined>({ task: 'voiceprint', samples, ranges });
}
