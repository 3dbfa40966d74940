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

/** A piece decoded, mixed and resampled in the worker: what whisper reads, and the input it covered. */
export interface WhisperLike {
  whisper: { samples: Float32Array; frames: number };
  sampleRate: number;
  errors: { message: string; outputSamples: number }[];
}

/** What `whisperSegment` needs beside the bytes: where the piece sits and how to resample it. */
export interface WhisperSegment {
  warmup: Uint8Array;
  body: Uint8Array;
  after: Uint8Array;
  /** The body's first sample, counted in the decoded stream (after the decoder's own trimming). */
  start: number;
  /** Samples of the body (and after it) that are audio: past this, the encoder's padding. */
  limit: number;
  final: boolean;
  plan: {
    from: number;
    up: number;
    down: number;
    half: number;
    taps: number;
    table: Float32Array;
    /** The resampler's compiled WebAssembly loop (resampler-kernel.ts). */
    module: object;
  };
}

interface Reply {
  id: number;
  decoded?: DecodedLike | WhisperLike;
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
// The same, carried on to what whisper reads (mp3-parallel.ts): the piece mixed to mono, then resampled
// by the resampler's own plan and WebAssembly loop (resampler.ts), its edges read from the warm-up's last
// samples and the frames decoded past its end. Outputs k with floor(start·up/down) <= k < floor(end·up/down)
// are this piece's: the pieces' outputs join into exactly the one resampler's.
const kernels = new Map();
const mixInto = (heap, at, decoded, from, to) => {
  if (!decoded || to <= from) return;
  const [left, right] = decoded.channelData;
  if (!right) heap.set(left.subarray(from, to), at);
  else for (let i = from; i < to; i++) heap[at++] = (left[i] + right[i]) * 0.5;
};
const whisperSegment = async (library, { warmup, body, after, plan, start, limit, final }) => {
  const fresh = new library[workerData.className](workerData.options);
  await fresh.ready;
  try {
    const w = warmup.length ? await fresh.decode(warmup) : undefined;
    const b = await fresh.decode(body);
    const a = after.length && !final ? await fresh.decode(after) : undefined;
    const before = w ? w.samplesDecoded : 0;
    const errors = b.errors.map((e) => ({ message: e.message, outputSamples: e.outputSamples - before }));
    if (b.samplesDecoded > 0 && b.sampleRate !== plan.from) {
      // The rate changed inside the file: the samples go back as they are, for the caller's resampler.
      return { ...b, errors };
    }
    const { up, down, half, taps, table } = plan;
    const n = Math.min(b.samplesDecoded, limit);
    const right = final ? 0 : Math.max(0, Math.min(half, (a ? a.samplesDecoded : 0), limit - n));
    const kFirst = Math.floor((start * up) / down);
    const count = Math.max(0, Math.floor(((start + n) * up) / down) - kFirst);
    if (up === down) return { whisper: { samples: b.channelData[0] ? mixed(b, n) : new Float32Array(0), frames: n }, sampleRate: b.sampleRate, errors };
    // Kernel memory, as floats: [filter | input from start - leftSize to start + n + half | outputs].
    const leftSize = half + Math.ceil(down / up);
    const inputSize = leftSize + n + half;
    const bytes = (table.length + inputSize + count) * 4;
    const key = up + '/' + down;
    let kernel = kernels.get(key);
    if (!kernel) {
      kernel = new WebAssembly.Instance(plan.module).exports;
      kernels.set(key, kernel);
      new Float32Array(kernel.memory.buffer).set(table);
    }
    if (bytes > kernel.memory.buffer.byteLength) kernel.memory.grow(Math.ceil((bytes - kernel.memory.buffer.byteLength) / 65536));
    const heap = new Float32Array(kernel.memory.buffer);
    const inputAt = table.length;
    heap.fill(0, inputAt, inputAt + inputSize);
    if (w) {
      const from = Math.max(0, w.samplesDecoded - leftSize);
      mixInto(heap, inputAt + leftSize - (w.samplesDecoded - from), w, from, w.samplesDecoded);
    }
    mixInto(heap, inputAt + leftSize, b, 0, n);
    // Past the body: its own samples beyond n (cut by the limit, none), then the frames after it.
    mixInto(heap, inputAt + leftSize + n, a, 0, right);
    const outAt = inputAt + inputSize;
    const steps = kFirst * down;
    const base = Math.floor(steps / up);
    const first = inputAt + leftSize + (base - start) - half + 1;
    kernel.run(first * 4, 0, outAt * 4, count, steps % up, up, down, taps, taps - (taps % 4));
    return { whisper: { samples: heap.slice(outAt, outAt + count), frames: n }, sampleRate: b.sampleRate, errors };
  } finally {
    fresh.free();
  }
};
const mixed = (decoded, n) => {
  const out = new Float32Array(n);
  mixInto(out, 0, decoded, 0, n);
  return out;
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
            : command === 'whisperSegment'
              ? await whisperSegment(await library, bytes)
              : decoder.flush
                ? await decoder.flush()
                : { channelData: [], samplesDecoded: 0, sampleRate: 0, errors: [] };
      if (d.whisper) {
        parentPort.postMessage({ id, decoded: d }, [d.whisper.samples.buffer]);
        return decoder;
      }
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
    { resolve: (decoded: DecodedLike | WhisperLike) => void; reject: (error: Error) => void }
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

  private ask<T = DecodedLike>(
    command: 'decode' | 'decodeFrames' | 'segment' | 'whisperSegment' | 'flush',
    bytes?: Uint8Array | Uint8Array[] | { warmup: Uint8Array; body: Uint8Array } | WhisperSegment,
  ): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (decoded: unknown) => void, reject });
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

  /**
   * The same piece carried on to 16 kHz mono in the worker: the reply is
   * what whisper reads (or, where the stream's rate is not the plan's, the
   * decoded channels as `segment` gives them).
   */
  whisperSegment(segment: WhisperSegment): Promise<WhisperLike | DecodedLike> {
    return this.ask<WhisperLike | DecodedLike>('whisperSegment', segment);
  }

  flush(): Promise<DecodedLike> {
    return this.ask('flush');
  }

  free(): void {
    // Ends the thread whatever it is doing: a file given up half-way leaves nothing running.
    void this.worker.terminate();
  }
}
