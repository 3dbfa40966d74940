import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A WebAssembly decoder run in a worker thread, so that decoding the next
 * piece of a file overlaps the main thread's downmix and resampling of the
 * previous one (issue 15: MP3 decoding and resampling cost about the same,
 * and the machine has at least two cores).
 *
 * The worker is a few lines of plain JavaScript run with `eval`, importing
 * only the decoder's own npm package: no TypeScript loader to start (the
 * sources and the built app behave alike) and nothing of Greffier's to
 * import twice. Requests are answered in order; decoded channels come back
 * transferred, not copied. The decoder is the same class the main thread
 * would use, so the samples are the same.
 */

/** What the @wasm-audio-decoders family returns from decode and flush. */
export interface DecodedLike {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: { message: string; outputSamples: number }[];
}

interface Reply {
  id: number;
  decoded?: DecodedLike;
  failure?: string;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// mpg123-decoder and opus-decoder print each bad frame; the main thread reports it once, with its time.
const print = console.error;
console.error = (...args) => {
  if (typeof args[0] === 'string' && /^(libopus -|mpg123-decoder: |@wasm-audio-decoders.flac)/.test(args[0])) return;
  print(...args);
};
const library = import(workerData.url);
let queue = library.then(async (library) => {
  const decoder = new library[workerData.className](workerData.options);
  await decoder.ready;
  return decoder;
});
queue.then(
  () => parentPort.postMessage({ id: -1 }),
  (error) => parentPort.postMessage({ id: -1, failure: String(error && error.message || error) }),
);
const own = (channel) =>
  channel.byteOffset === 0 && channel.byteLength === channel.buffer.byteLength && !(channel.buffer instanceof SharedArrayBuffer)
    ? channel
    : channel.slice();
// A piece cut from the middle of a stream (mp3-frames.ts): a fresh decoder runs the warm-up frames, their
// output and errors thrown away, then the piece; its errors then count samples from the piece's start.
const segment = async (library, { warmup, body }) => {
  const fresh = new library[workerData.className](workerData.options);
  await fresh.ready;
  try {
    const before = warmup.length ? (await fresh.decode(warmup)).samplesDecoded : 0;
    const d = await fresh.decode(body);
    return { ...d, errors: d.errors.map((e) => ({ message: e.message, outputSamples: e.outputSamples - before })) };
  } finally {
    fresh.free();
  }
};
parentPort.on('message', ({ id, command, bytes }) => {
  // One at a time, in the order asked: some decoders await inside decode.
  queue = queue.then(async (decoder) => {
    try {
      const d =
        command === 'decode' || command === 'decodeFrames'
          ? await decoder[command](bytes)
          : command === 'segment'
            ? await segment(await library, bytes)
            : decoder.flush
              ? await decoder.flush()
              : { channelData: [], samplesDecoded: 0, sampleRate: 0, errors: [] };
      const channelData = d.channelData.map((channel) => own(channel.subarray(0, d.samplesDecoded)));
      const buffers = [...new Set(channelData.map((channel) => channel.buffer))];
      const errors = d.errors.map((e) => ({ message: e.message, outputSamples: e.outputSamples }));
      parentPort.postMessage(
        { id, decoded: { channelData, samplesDecoded: d.samplesDecoded, sampleRate: d.sampleRate, errors } },
        buffers,
      );
    } catch (error) {
      parentPort.postMessage({ id, failure: String(error && error.message || error) });
    }
    return decoder;
  });
});
`;

const require = createRequire(import.meta.url);

export class WorkerDecoder {
  private readonly pending = new Map<
    number,
    { resolve: (decoded: DecodedLike) => void; reject: (error: Error) => void }
  >();
  private nextId = 0;
  private broken: Error | undefined;
  readonly ready: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      this.pending.set(-1, { resolve: () => resolve(), reject });
    });
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.failure !== undefined) waiting.reject(new Error(reply.failure));
      else waiting.resolve(reply.decoded!);
    });
    // A worker that dies (out of memory, a WebAssembly trap) fails every request still waiting: never a hang.
    const fail = (error: Error) => {
      this.broken ??= error;
      for (const waiting of this.pending.values()) waiting.reject(this.broken);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the decoding thread stopped (exit code ${code})`)));
  }

  /** Starts `className` of npm package `pkg` in a worker; rejects if it cannot load there. */
  static async start(pkg: string, className: string, options?: object): Promise<WorkerDecoder> {
    const url = pathToFileURL(require.resolve(pkg)).href;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { url, className, options },
    });
    const decoder = new WorkerDecoder(worker);
    try {
      await decoder.ready;
    } catch (error) {
      void worker.terminate();
      throw error;
    }
    return decoder;
  }

  private ask(
    command: 'decode' | 'decodeFrames' | 'segment' | 'flush',
    bytes?: Uint8Array | Uint8Array[] | { warmup: Uint8Array; body: Uint8Array },
  ): Promise<DecodedLike> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The bytes are copied into the message: the caller may reuse its buffer.
      this.worker.postMessage({ id, command, bytes });
    });
  }

  decode(bytes: Uint8Array): Promise<DecodedLike> {
    return this.ask('decode', bytes);
  }

  /** Whole frames cut by the caller (FLAC: see flac-frames.ts). */
  decodeFrames(frames: Uint8Array[]): Promise<DecodedLike> {
    return this.ask('decodeFrames', frames);
  }

  /**
   * A piece from the middle of a stream, by a fresh decoder: `warmup` (the
   * frames before it) decoded and thrown away first. Errors count output
   * samples from the body's start.
   */
  segment(warmup: Uint8Array, body: Uint8Array): Promise<DecodedLike> {
    return this.ask('segment', { warmup, body });
  }

  flush(): Promise<DecodedLike> {
    return this.ask('flush');
  }

  free(): void {
    // Ends the thread whatever it is doing: a file given up half-way leaves nothing running.
    void this.worker.terminate();
  }
}
