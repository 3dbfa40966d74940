import { Mp3FrameCutter, type Mp3Piece } from './mp3-frames.js';
import { WorkerDecoder, type DecodedLike } from './worker.js';
import { emptyPiece, type DecodedPiece, type StreamDecoder } from './types.js';

/**
 * MP3 decoded by several worker threads at once (issue 15: mpg123 in
 * WebAssembly costs more than all the rest of an import). The file still
 * streams front to back through this thread: each call's bytes are cut at a
 * frame boundary (mp3-frames.ts) into one piece, handed to the next worker
 * in turn with its warm-up frames, and the decoded pieces come back in the
 * order asked. Memory stays bounded by the pieces asked ahead (`decodeAhead`),
 * whatever the file's length.
 *
 * The samples are those of one decoder run from the start (the warm-up
 * count keeps mpg123's synthesis phase; tests/integration/audio-same-samples
 * checks it), except after damage, where the frames counted may differ from
 * mpg123's: there a piece may differ from the sequential decode by rounding
 * (measured > 140 dB SNR).
 */
export class ParallelMp3Decoder implements StreamDecoder {
  readonly codec = 'mp3';
  readonly pipelined = true;
  /** Pieces in flight: one decoding in each worker, one being resampled here, one waiting. */
  readonly decodeAhead: number;
  private readonly cutter = new Mp3FrameCutter();
  private turn = 0;

  private constructor(private readonly workers: WorkerDecoder[]) {
    this.decodeAhead = workers.length + 2;
  }

  /** Undefined when a worker cannot start here (the caller then decodes in one thread). */
  static async start(threads: number): Promise<ParallelMp3Decoder | undefined> {
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
    return new ParallelMp3Decoder(workers);
  }

  decode(bytes: Uint8Array): Promise<DecodedPiece> {
    // Sent before any await: the pieces keep the file's order across workers.
    return this.send(this.cutter.push(bytes, false));
  }

  flush(): Promise<DecodedPiece> {
    return this.send(this.cutter.push(new Uint8Array(0), true));
  }

  private async send(piece: Mp3Piece | undefined): Promise<DecodedPiece> {
    if (!piece) return emptyPiece();
    const worker = this.workers[this.turn++ % this.workers.length]!;
    return this.trimmed(piece, await worker.segment(piece.warmup, piece.body));
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
