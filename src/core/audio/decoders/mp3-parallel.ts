import { SAMPLE_RATE } from '../../../shared/audio.js';
import { resamplerPlan, type ResamplerPlan } from '../resampler.js';
import { kernelModule } from '../resampler-kernel.js';
import { Mp3FrameCutter, type Mp3Piece } from './mp3-frames.js';
import { WorkerDecoder, type DecodedLike, type WhisperLike } from './worker.js';
import { emptyPiece, type DecodedPiece, type StreamDecoder } from './types.js';

/** Frames of the first piece, decoded alone: it tells where the decoder starts counting samples. */
const FIRST_FRAMES = 32;
/** Whole frames decoded past each piece's end: 1152 samples, more than any filter's half-length. */
const LOOKAHEAD_FRAMES = 1;

/**
 * MP3 decoded by several worker threads at once (issue 15: mpg123 in
 * WebAssembly costs more than all the rest of an import). The file still
 * streams front to back through this thread: each call's bytes are cut at a
 * frame boundary (mp3-frames.ts) into one piece, handed to the next worker
 * in turn with its warm-up frames, and the decoded pieces come back in the
 * order asked. Memory stays bounded by the pieces asked ahead (`decodeAhead`),
 * whatever the file's length.
 *
 * With `whisper`, each worker also mixes and resamples its own piece to
 * 16 kHz mono (on two cores this thread was the bottleneck, doing both for
 * every piece): the warm-up's last samples and one frame decoded past the
 * piece's end are the filter's context at its edges, and the first piece,
 * decoded alone first, tells where sample 0 is (the decoder trims the
 * encoder's delay), so every piece's outputs are those of one resampler.
 *
 * The samples are those of one decoder run from the start (the warm-up
 * count keeps mpg123's synthesis phase; tests/integration/audio-same-samples
 * checks it), except after damage, where the frames counted may differ from
 * mpg123's: there a piece may differ from the sequential decode by rounding
 * (measured > 140 dB SNR), and the join may move by a few samples.
 */
export class ParallelMp3Decoder implements StreamDecoder {
  readonly codec = 'mp3';
  readonly pipelined = true;
  /** Pieces in flight: one decoding in each worker, two waiting. */
  readonly decodeAhead: number;
  private readonly cutter: Mp3FrameCutter;
  private turn = 0;
  /** The filter for the stream's rate, made once (its table takes a millisecond or two). */
  private plan: (ResamplerPlan & { fromRate: number }) | undefined;
  /** Where the stream's sample 0 is, in samples of its frames: known once the first piece is back. */
  private start: Promise<number> | undefined;

  private constructor(
    private readonly workers: WorkerDecoder[],
    /** The resampler's loop, for workers that resample (undefined: they decode only). */
    private readonly kernel: object | undefined,
  ) {
    this.decodeAhead = workers.length + 2;
    this.cutter = new Mp3FrameCutter(undefined, kernel ? LOOKAHEAD_FRAMES : 0);
  }

  /**
   * Undefined when a worker cannot start here (the caller then decodes in
   * one thread). With `whisper`, pieces come back at 16 kHz mono where
   * WebAssembly SIMD runs the resampler (else decoded, as without).
   */
  static async start(threads: number, whisper = false): Promise<ParallelMp3Decoder | undefined> {
    const started = await Promise.all(
      Array.from({ length: threads }, () =>
        WorkerDecoder.start('mpg123-decoder', 'MPEGDecoder').catch(() => undefined),
      ),
    );
    const workers = started.filter((worker) => worker !== undefined);
    if (workers.length < threads) {
      for (const worker of workers) worker.free();
      return undefined;
    }
    return new ParallelMp3Decoder(workers, whisper ? kernelModule() : undefined);
  }

  /** True when the pieces come back as whisper reads them. */
  get resamples(): boolean {
    return this.kernel !== undefined;
  }

  decode(bytes: Uint8Array): Promise<DecodedPiece> {
    if (this.kernel && !this.start) {
      // The first piece alone and small, awaited before the others are placed.
      const first = this.cutter.push(bytes, false, FIRST_FRAMES);
      if (!first) return Promise.resolve(emptyPiece());
      const head = this.send(first);
      this.start = head.then(
        (decoded) => this.firstSample(first, decoded),
        () => this.cutter.startSample,
      );
      const rest = this.send(this.cutter.push(new Uint8Array(0), false));
      return Promise.all([head, rest]).then(([a, b]) => joined(a, b));
    }
    // Sent before any await: the pieces keep the file's order across workers.
    return this.send(this.cutter.push(bytes, false));
  }

  flush(): Promise<DecodedPiece> {
    return this.send(this.cutter.push(new Uint8Array(0), true));
  }

  private send(piece: Mp3Piece | undefined): Promise<DecodedPiece> {
    if (!piece) return Promise.resolve(emptyPiece());
    const worker = this.workers[this.turn++ % this.workers.length]!;
    // No frame header found yet (a piece of garbage): nothing to resample, the channels go back.
    if (!this.kernel || !this.cutter.sampleRate) {
      return worker
        .segment(piece.warmup, piece.body)
        .then((decoded) => this.trimmed(piece, decoded));
    }
    if (this.plan?.fromRate !== this.cutter.sampleRate) {
      this.plan = {
        ...resamplerPlan(this.cutter.sampleRate, SAMPLE_RATE),
        fromRate: this.cutter.sampleRate,
      };
    }
    const plan = this.plan;
    const segment = (start: number): Promise<DecodedPiece> =>
      worker
        .whisperSegment({
          warmup: piece.warmup,
          body: piece.body,
          after: piece.after,
          start,
          // The first piece's decoder saw the LAME tag: it trims the padding itself.
          limit:
            piece.firstFrame > 0
              ? Math.max(0, this.cutter.endSample - piece.firstFrame * piece.samplesPerFrame)
              : Infinity,
          final: piece.final,
          plan: { ...plan, from: this.cutter.sampleRate, module: this.kernel! },
        })
        .then((decoded) =>
          'whisper' in decoded
            ? fromWorker(decoded, this.cutter.sampleRate)
            : this.trimmed(piece, decoded),
        );
    if (piece.firstFrame === 0) return segment(0);
    // Each worker answers in the order asked, and these are asked in file order once the start is known.
    return this.start!.then((zero) => segment(piece.firstFrame * piece.samplesPerFrame - zero));
  }

  /**
   * Sample 0 of the stream, in samples of its frames: the first piece's frames
   * less what its decoder gave (mpg123 trims the encoder's delay); the LAME
   * tag's figure when damage makes the count unreliable.
   */
  private firstSample(first: Mp3Piece, decoded: DecodedPiece): number {
    if (decoded.errors.length || !decoded.whisper) return this.cutter.startSample;
    return first.frames * first.samplesPerFrame - decoded.whisper.frames;
  }

  /**
   * The encoder's padding at the end, cut where mpg123 would (the first
   * piece's decoder saw the LAME tag and trims the start itself).
   */
  private trimmed(piece: Mp3Piece, decoded: DecodedLike): DecodedPiece {
    let length = decoded.samplesDecoded;
    if (piece.firstFrame > 0) {
      const start = piece.firstFrame * piece.samplesPerFrame;
      length = Math.max(0, Math.min(length, this.cutter.endSample - start));
    }
    return {
      channels: decoded.channelData.map((channel) => channel.subarray(0, length)),
      sampleRate: decoded.sampleRate,
      // Counted from this piece's start: the caller adds the samples taken before it.
      errors: decoded.errors.map((error) => ({
        message: error.message,
        outputSamples: Math.max(0, error.outputSamples),
      })),
    };
  }

  free(): void {
    for (const worker of this.workers) worker.free();
  }
}

/** A worker's 16 kHz piece; `rate` (the first frame's) stands in where nothing could be decoded. */
function fromWorker(decoded: WhisperLike, rate: number): DecodedPiece {
  return {
    channels: [],
    sampleRate: decoded.sampleRate || rate,
    whisper: decoded.whisper,
    errors: decoded.errors.map((error) => ({
      message: error.message,
      outputSamples: Math.max(0, error.outputSamples),
    })),
  };
}

/** Two resampled pieces as one (the first call's two pieces). */
function joined(a: DecodedPiece, b: DecodedPiece): DecodedPiece {
  if (!b.whisper && !b.channels.length && !b.errors.length) return a;
  if (!a.whisper || !b.whisper) {
    // Only where the rate changed inside the first pieces: kept apart would be simpler, but one call gives one piece.
    throw new Error('the MP3 changes its sample rate in its first frames');
  }
  const samples = new Float32Array(a.whisper.samples.length + b.whisper.samples.length);
  samples.set(a.whisper.samples);
  samples.set(b.whisper.samples, a.whisper.samples.length);
  return {
    channels: [],
    sampleRate: a.sampleRate,
    whisper: { samples, frames: a.whisper.frames + b.whisper.frames },
    errors: [
      ...a.errors,
      ...b.errors.map((error) => ({
        message: error.message,
        outputSamples: error.outputSamples + a.whisper!.frames,
      })),
    ],
  };
}
