import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GreffierError } from '../errors.js';
import { startWorker } from '../worker-start.js';
import type { Diarization, DiarizeOptions, VoiceModels } from './voices.js';
import type { VoicesRequest } from './voices-worker.js';

const here = dirname(fileURLToPath(import.meta.url));

function runWorker<T>(request: VoicesRequest, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = startWorker(here, 'voices-worker', {
      workerData: request,
      transferList: [request.samples.buffer as ArrayBuffer],
    });
    const abort = () => {
      void worker.terminate();
      reject(new GreffierError('cancelled', 'speaker detection was cancelled'));
    };
    signal?.addEventListener('abort', abort, { once: true });
    let settled = false;
    worker.once('message', (message: { ok: boolean; result?: T; message?: string }) => {
      settled = true;
      signal?.removeEventListener('abort', abort);
      if (message.ok) resolve(message.result as T);
      else
        reject(
          new GreffierError('voices-failed', `speaker detection failed: ${message.message}`, {
            hint: 'check the speaker models ("greffier models list") and run the step again',
          }),
        );
      void worker.terminate();
    });
    worker.once('error', (error) => {
      signal?.removeEventListener('abort', abort);
      reject(
        new GreffierError('voices-failed', `speaker detection failed: ${error.message}`, {
          hint: 'check the speaker models ("greffier models list") and run the step again',
          cause: error,
        }),
      );
    });
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', abort);
      if (!settled && !signal?.aborted) {
        reject(
          new GreffierError('voices-failed', `the speaker engine stopped (exit code ${code})`, {
            hint: 'check the speaker models ("greffier models list") and run the step again',
          }),
        );
      }
    });
  });
}

/** Diarization in a worker thread; `samples` is handed over (transferred) and unusable after. */
export function diarizeInWorker(
  samples: Float32Array,
  models: VoiceModels,
  options: DiarizeOptions = {},
  signal?: AbortSignal,
): Promise<Diarization> {
  return runWorker<Diarization>({ task: 'diarize', samples, models, options }, signal);
}

/** One voiceprint of some ranges of the samples, in a worker thread. */
export function voiceprintInWorker(
  samples: Float32Array,
  ranges: { startMs: number; endMs: number }[],
  model: string,
  threads = 1,
): Promise<number[] | undefined> {
  return runWorker<number[] | undefined>({ task: 'voiceprint', samples, ranges, model, threads });
}
