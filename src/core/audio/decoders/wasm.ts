import { MPEGDecoder } from 'mpg123-decoder';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { SAMPLE_RATE } from '../../../shared/audio.js';
import { OggPageChecker } from './ogg-pages.js';
import { WorkerDecoder, type DecodedLike } from './worker.js';
import { FlacFrameSplitter } from './flac-frames.js';
import { emptyPiece, type DecodedPiece, type StreamDecoder } from './types.js';

/** The shape shared by the @wasm-audio-decoders family (MIT wrappers over mpg123, libFLAC, libvorbis, libopus). */
interface WasmDecoder {
  ready: Promise<void>;
  decode(bytes: Uint8Array): DecodedLike | Promise<DecodedLike>;
  decodeFrames?(frames: Uint8Array[]): DecodedLike | Promise<DecodedLike>;
  flush?(): Promise<DecodedLike>;
  free(): void | Promise<void>;
}

function piece(decoded: DecodedLike): DecodedPiece {
  return {
    // The decoders reuse nothing between calls, but trim to what was decoded.
    channels: decoded.channelData.map((channel) => channel.subarray(0, decoded.samplesDecoded)),
    sampleRate: decoded.sampleRate,
    // The family counts outputSamples from the decoder's start, not from this call: a time, then.
    errors: decoded.errors.map((error) => ({
      message: error.message,
      outputSamples: 0,
      atMs: decoded.sampleRate ? (error.outputSamples / decoded.sampleRate) * 1000 : undefined,
    })),
  };
}

/**
 * mpg123-decoder and opus-decoder print each bad frame on console.error as
 * well as returning it; we report it once, with its time, so their copy is
 * held back while they decode (only lines with their prefixes).
 */
export async function quietly<T>(work: () => T | Promise<T>): Promise<T> {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    if (
      typeof args[0] === 'string' &&
      /^(libopus -|mpg123-decoder: |@wasm-audio-decoders\/flac)/.test(args[0])
    )
      return;
    original(...args);
  };
  try {
    return await work();
  } finally {
    console.error = original;
  }
}

class WasmStreamDecoder implements StreamDecoder {
  private readonly pages: OggPageChecker | undefined;
  private readonly frames: FlacFrameSplitter | undefined;
  readonly pipelined: boolean;

  constructor(
    readonly codec: string,
    private readonly decoder: WasmDecoder | WorkerDecoder,
    /** For Ogg streams: the rate their granule positions count in. */
    private readonly granuleRate?: number,
    /** For FLAC: the stream's rate (from the probe), to give damage its time. */
    private readonly frameRate?: number,
  ) {
    this.pages = granuleRate ? new OggPageChecker() : undefined;
    this.frames = codec === 'flac' ? new FlacFrameSplitter() : undefined;
    this.pipelined = decoder instanceof WorkerDecoder;
  }

  /** FLAC: checked frames to the decoder, damaged ones reported with their time. */
  private async decodeFlac(bytes: Uint8Array, final: boolean): Promise<DecodedPiece> {
    const cut = this.frames!.push(bytes, final);
    const decoded = cut.frames.length ? piece(await this.runFrames(cut.frames)) : emptyPiece();
    // libFLAC notices the frame numbers jump after a dropped frame: that damage is reported below, with its time.
    decoded.errors = decoded.errors.filter((error) => !/MISSING_FRAME/.test(error.message));
    for (const damage of cut.damaged) {
      decoded.errors.push({
        message: 'a damaged FLAC frame was dropped',
        outputSamples: 0,
        atMs: (damage.atSample / (this.frameRate || 44_100)) * 1000,
      });
    }
    return decoded;
  }

  /** The worker quiets its own console; swapping ours around overlapping calls would tangle it. */
  private run(bytes: Uint8Array): Promise<DecodedLike> {
    if (this.decoder instanceof WorkerDecoder) return this.decoder.decode(bytes);
    return quietly(() => this.decoder.decode(bytes));
  }

  private runFrames(frames: Uint8Array[]): Promise<DecodedLike> {
    if (this.decoder instanceof WorkerDecoder) return this.decoder.decodeFrames(frames);
    return quietly(() => this.decoder.decodeFrames!(frames));
  }

  async decode(bytes: Uint8Array): Promise<DecodedPiece> {
    // The request leaves before the first await: overlapping calls keep the file's order.
    if (this.frames) return this.decodeFlac(bytes, false);
    if (!this.pages) return piece(await this.run(bytes));
    const checked = this.pages.push(bytes);
    const decoded = checked.pages.length ? piece(await this.run(checked.pages)) : emptyPiece();
    for (const damage of checked.damaged) {
      decoded.errors.push({
        message: 'a damaged Ogg page was dropped',
        outputSamples: 0,
        atMs: (damage.granule / this.granuleRate!) * 1000,
      });
    }
    return decoded;
  }

  async flush(): Promise<DecodedPiece> {
    if (this.frames) return this.decodeFlac(new Uint8Array(0), true);
    return this.decoder.flush ? piece(await this.decoder.flush()) : emptyPiece();
  }

  free(): void {
    void this.decoder.free();
  }
}

interface DecoderChoice {
  codec: string;
  /** The npm package and the class it exports (the same class in the worker and here). */
  pkg: string;
  className: string;
  inProcess: (options?: object) => WasmDecoder;
  options?: object;
  /** For Ogg streams: the rate their granule positions count in. */
  granuleRate?: number;
  /** For FLAC: the stream's rate, to give damaged frames their time. */
  frameRate?: number;
}

/**
 * The decoder in a worker thread (decoding overlaps resampling), or in this
 * thread when `inThread` is asked or a worker cannot start here.
 */
async function ready(choice: DecoderChoice, inThread = false): Promise<StreamDecoder> {
  if (!inThread) {
    const worker = await WorkerDecoder.start(choice.pkg, choice.className, choice.options).catch(
      () => undefined,
    );
    if (worker) {
      return new WasmStreamDecoder(choice.codec, worker, choice.granuleRate, choice.frameRate);
    }
  }
  const decoder = choice.inProcess(choice.options);
  await decoder.ready;
  return new WasmStreamDecoder(choice.codec, decoder, choice.granuleRate, choice.frameRate);
}

export const mp3Decoder = (inThread?: boolean) =>
  ready(
    {
      codec: 'mp3',
      pkg: 'mpg123-decoder',
      className: 'MPEGDecoder',
      inProcess: () => new MPEGDecoder() as unknown as WasmDecoder,
    },
    inThread,
  );
export const flacDecoder = (sampleRate: number, inThread?: boolean) =>
  ready(
    {
      codec: 'flac',
      frameRate: sampleRate,
      pkg: '@wasm-audio-decoders/flac',
      className: 'FLACDecoder',
      inProcess: () => new FLACDecoder() as unknown as WasmDecoder,
    },
    inThread,
  );
/** Vorbis granules count samples at the stream's own rate (from the probe). */
export const vorbisDecoder = (sampleRate: number, inThread?: boolean) =>
  ready(
    {
      codec: 'vorbis',
      pkg: '@wasm-audio-decoders/ogg-vorbis',
      className: 'OggVorbisDecoder',
      inProcess: () => new OggVorbisDecoder() as unknown as WasmDecoder,
      granuleRate: sampleRate,
    },
    inThread,
  );
/** Opus decodes straight to 16 kHz (libopus resamples internally): no resampling pass after it. */
export const oggOpusDecoder = (inThread?: boolean) =>
  ready(
    {
      codec: 'opus',
      pkg: 'ogg-opus-decoder',
      className: 'OggOpusDecoder',
      // The sampleRate option exists in the library but not in its type declarations.
      inProcess: (options) =>
        new OggOpusDecoder(
          options as ConstructorParameters<typeof OggOpusDecoder>[0],
        ) as unknown as WasmDecoder,
      options: { sampleRate: SAMPLE_RATE },
      // Opus granules always count 48 kHz samples.
      granuleRate: 48_000,
    },
    inThread,
  );
