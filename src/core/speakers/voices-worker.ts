import { parentPort, workerData } from 'node:worker_threads';
import {
  diarizeSamples,
  voiceprintOfRanges,
  type DiarizeOptions,
  type VoiceModels,
} from './voices.js';

/**
 * The voices engine off the main thread: sherpa-onnx runs for seconds to
 * minutes on a long meeting and would freeze the app's event loop. One job
 * per worker: the samples arrive transferred (not copied), the answer goes
 * back, the worker ends.
 */
export type VoicesRequest =
  | { task: 'diarize'; samples: Float32Array; models: VoiceModels; options: DiarizeOptions }
  | {
      task: 'voiceprint';
      samples: Float32Array;
      model: string;
      ranges: { startMs: number; endMs: number }[];
      threads: number;
    };

const request = workerData as VoicesRequest;
try {
  const result =
    request.task === 'diarize'
      ? diarizeSamples(request.samples, request.models, request.options)
      : voiceprintOfRanges(request.samples, request.ranges, request.model, request.threads);
  parentPort!.postMessage({ ok: true, result });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: (error as Error).message });
}
