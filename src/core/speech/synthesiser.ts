import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { sentenceStream } from '../answers/evidence.js';
import { GreffierError } from '../errors.js';
import { startWorker } from '../worker-start.js';
import type {
  SpeechWorkerData,
  SpeechWorkerMessage,
  SpeechWorkerRequest,
} from './speech-worker.js';
import { voiceFiles, type VoiceInfo } from './voice-files.js';

/**
 * Answers read aloud with an offline neural voice (a Piper voice through
 * sherpa-onnx's OfflineTts), for the app and the CLI alike. The engine runs
 * in a worker thread that keeps the voice loaded; text is cut into
 * sentences and each sentence's samples arrive as soon as they are computed,
 * so playback can start while the rest is still being synthesised.
 * stop() is barge-in: nothing more of the stopped text is delivered, and the
 * engine gives up before its next sentence.
 */

export interface SpokenSentence {
  /** Position in the text, from 0. */
  index: number;
  text: string;
  /** Mono float samples (-1..1) at `sampleRate`. */
  samples: Float32Array;
  sampleRate: number;
}

export interface SpeakResult {
  /** Sentences delivered to onSentence. */
  sentences: number;
  /** True when stop() (or close()) cut the text short. */
  stopped: boolean;
}

export interface SynthesiserOptions {
  threads?: number;
  env?: NodeJS.ProcessEnv;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The sentences of a text, as the spoken answer cuts them (one place for that idea). */
export function spokenSentences(text: string): string[] {
  const sentences: string[] = [];
  const stream = sentenceStream((s) => sentences.push(s));
  stream.push(text);
  stream.flush();
  return sentences;
}

interface Pending {
  sentences: string[];
  onSentence: (sentence: SpokenSentence) => void;
  delivered: number;
  resolve: (result: SpeakResult) => void;
  reject: (error: Error) => void;
}

function engineFailed(message: string, cause?: unknown): GreffierError {
  return new GreffierError('speech-failed', `the voice engine failed: ${message}`, {
    hint: 'check the voice ("greffier models list"); the system voices still work',
    ...(cause ? { cause } : {}),
  });
}

export class Synthesiser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly stopMark: Int32Array;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    stopBuffer: SharedArrayBuffer,
    readonly sampleRate: number,
    readonly info: VoiceInfo,
  ) {
    this.stopMark = new Int32Array(stopBuffer);
    worker.on('message', (message: SpeechWorkerMessage) => this.receive(message));
    worker.on('error', (error) => this.failAll(engineFailed(error.message, error)));
    worker.on('exit', (code) => {
      this.closed = true;
      this.failAll(engineFailed(`the engine stopped (exit code ${code})`));
    });
  }

  /**
   * Loads the voice `model` (checked first: see voiceFiles) in a worker.
   * Throws speech-voice-missing / speech-voice-invalid / speech-espeak-missing
   * for a bad voice, speech-failed when the engine cannot load it.
   */
  static async open(model: string, options: SynthesiserOptions = {}): Promise<Synthesiser> {
    const { files, info } = voiceFiles(model, options.env);
    const stopped = new SharedArrayBuffer(4);
    const workerData: SpeechWorkerData = {
      files,
      threads: Math.max(1, options.threads ?? 1),
      stopped,
    };
    const worker = startWorker(here, 'speech-worker', { workerData });
    const sampleRate = await new Promise<number>((resolve, reject) => {
      const onMessage = (message: SpeechWorkerMessage) => {
        worker.off('exit', onExit);
        if (message.type === 'ready') resolve(message.sampleRate);
        else {
          void worker.terminate();
          reject(engineFailed(message.type === 'error' ? message.message : 'no answer'));
        }
      };
      const onExit = (code: number) => {
        worker.off('message', onMessage);
        reject(engineFailed(`the engine stopped while loading the voice (exit code ${code})`));
      };
      worker.once('message', onMessage);
      worker.once('exit', onExit);
    });
    return new Synthesiser(worker, stopped, sampleRate, info);
  }

  /**
   * Speaks `text`: onSentence gets each sentence's samples in order, as soon
   * as they exist. Resolves when the text is done or stopped. Calls queue:
   * a second text is spoken after the first.
   */
  speak(
    text: string,
    onSentence: (sentence: SpokenSentence) => void,
    options: { speed?: number } = {},
  ): Promise<SpeakResult> {
    if (this.closed) return Promise.reject(engineFailed('the voice was closed'));
    const sentences = spokenSentences(text);
    if (sentences.length === 0) return Promise.resolve({ sentences: 0, stopped: false });
    const id = this.nextId++;
    return new Promise<SpeakResult>((resolve, reject) => {
      this.pending.set(id, { sentences, onSentence, delivered: 0, resolve, reject });
      const request: SpeechWorkerRequest = { id, sentences, speed: options.speed ?? 1 };
      this.worker.postMessage(request);
    });
  }

  /** Barge-in: everything asked so far stops now; later speak() calls are heard. */
  stop(): void {
    const last = this.nextId - 1;
    Atomics.store(this.stopMark, 0, last);
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.resolve({ sentences: pending.delivered, stopped: true });
    }
  }

  /** Stops speaking and unloads the voice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stop();
    this.closed = true;
    await this.worker.terminate();
  }

  private receive(message: SpeechWorkerMessage): void {
    if (message.type === 'ready') return;
    const pending = message.id === undefined ? undefined : this.pending.get(message.id);
    if (message.type === 'error' && message.id === undefined) {
      this.failAll(engineFailed(message.message));
      return;
    }
    // A stopped request's late messages find nothing pending and are dropped.
    if (!pending || message.id === undefined) return;
    if (message.type === 'audio') {
      pending.delivered++;
      pending.onSentence({
        index: message.index,
        text: pending.sentences[message.index] ?? '',
        samples: message.samples,
        sampleRate: this.sampleRate,
      });
    } else if (message.type === 'done') {
      this.pending.delete(message.id);
      pending.resolve({ sentences: pending.delivered, stopped: message.stopped });
    } else {
      this.pending.delete(message.id);
      pending.reject(engineFailed(message.message));
    }
  }

  private failAll(error: GreffierError): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(error);
    }
  }
}
