import { parentPort, workerData } from 'node:worker_threads';
import {
  loadDiarizer,
  runDiarizer,
  sherpaEngine,
  voiceprintOfRanges,
  type DiarizeOptions,
  type VoiceModels,
} from './voices-engine.js';

/**
 * The voices engine off the main thread: sherpa-onnx runs for seconds to
 * minutes on a long meeting and would freeze the app's event loop. A worker
 * loads its engine and models as soon as it starts (workerData), says it is
 * ready, then takes one job: the samples arrive transferred (not copied), the
 * answer goes back, and the parent ends the worker. Loading first lets the
 * diarization worker start while the final pass still runs (see
 * voices-thread.ts, warmDiarizer).
 */
export type VoicesSetup =
  | { task: 'diarize'; models: VoiceModels; threads: number }
  | { task: 'voiceprint'; model: string; threads: number };

export type VoicesJob =
  | {
      task: 'diarize';
      samples: Float32Array;
      options: DiarizeOptions & { voiceprints?: boolean };
    }
  | { task: 'voiceprint'; samples: Float32Array; ranges: { startMs: number; endMs: number }[] };

export type VoicesReply =
  | { ready: true; addonMs: number; modelMs: number }
  | { ok: true; result: unknown }
  | { ok: false; message: string };

const setup = workerData as VoicesSetup;
const port = parentPort!;

try {
  const started = performance.now();
  sherpaEngine();
  const loaded = performance.now();
  const diarizer = setup.task === 'diarize' ? loadDiarizer(setup.models, setup.threads) : undefined;
  port.postMessage({
    ready: true,
    addonMs: loaded - started,
    modelMs: performance.now() - loaded,
  } satisfies VoicesReply);
  port.once('message', (job: VoicesJob) => {
    try {
      const result =
        job.task === 'diarize' && diarizer && setup.task === 'diarize'
          ? runDiarizer(diarizer, job.samples, setup.models, {
              ...job.options,
              threads: setup.threads,
            })
          : job.task === 'voiceprint' && setup.task === 'voiceprint'
            ? voiceprintOfRanges(job.samples, job.ranges, setup.model, setup.threads)
            : (() => {
                throw new Error(`a ${setup.task} worker cannot run a ${job.task} job`);
              })();
      port.postMessage({ ok: true, result } satisfies VoicesReply);
    } catch (error) {
      port.postMessage({ ok: false, message: (error as Error).message } satisfies VoicesReply);
    }
  });
} catch (error) {
  port.postMessage({ ok: false, message: (error as Error).message } satisfies VoicesReply);
}
