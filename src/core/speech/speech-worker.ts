import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { VoiceFiles } from './voice-files.js';

/**
 * The neural voice off the main thread: sherpa-onnx's OfflineTts loads once
 * here and speaks sentence after sentence, each sentence's samples posted
 * back as soon as they exist (so playback starts on the first). Between
 * sentences the worker reads the shared stop mark: a request the parent
 * stopped goes no further than the sentence being computed.
 */

export interface SpeechWorkerData {
  files: VoiceFiles;
  threads: number;
  /** Int32Array over a SharedArrayBuffer: [0] = the highest request id stopped. */
  stopped: SharedArrayBuffer;
}

export type SpeechWorkerRequest = { id: number; sentences: string[]; speed: number };

export type SpeechWorkerMessage =
  | { type: 'ready'; sampleRate: number }
  | { type: 'audio'; id: number; index: number; samples: Float32Array }
  | { type: 'done'; id: number; stopped: boolean }
  | { type: 'error'; id?: number; message: string };

interface Tts {
  sampleRate: number;
  generate(request: { text: string; sid: number; speed: number }): {
    samples: Float32Array;
    sampleRate: number;
  };
}

const data = workerData as SpeechWorkerData;
const port = parentPort!;
const stopped = new Int32Array(data.stopped);
const post = (message: SpeechWorkerMessage, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

let tts: Tts | undefined;
try {
  const sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as {
    OfflineTts: new (config: unknown) => Tts;
  };
  tts = new sherpa.OfflineTts({
    model: {
      vits: { model: data.files.model, tokens: data.files.tokens, dataDir: data.files.dataDir },
      numThreads: data.threads,
      debug: 0,
      provider: 'cpu',
    },
    // Each sentence is asked for on its own (below); sherpa need not split further.
    maxNumSentences: 1,
  });
  post({ type: 'ready', sampleRate: tts.sampleRate });
} catch (error) {
  post({ type: 'error', message: (error as Error).message });
}

port.on('message', (request: SpeechWorkerRequest) => {
  if (!tts) return;
  const isStopped = () => Atomics.load(stopped, 0) >= request.id;
  try {
    for (let index = 0; index < request.sentences.length; index++) {
      if (isStopped()) break;
      const audio = tts.generate({ text: request.sentences[index]!, sid: 0, speed: request.speed });
      // A copy we own: the engine's buffer may be external memory it frees.
      const samples = Float32Array.from(audio.samples);
      if (isStopped()) break;
      post({ type: 'audio', id: request.id, index, samples }, [samples.buffer]);
    }
    post({ type: 'done', id: request.id, stopped: isStopped() });
  } catch (error) {
    post({ type: 'error', id: request.id, message: (error as Error).message });
  }
});
