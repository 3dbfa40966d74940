import { MPEGDecoder } from 'mpg123-decoder';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { SAMPLE_RATE } from '../../../shared/audio.js';
import { OggPageChecker } from './ogg-pages.js';
import { emptyPiece, type DecodedPiece, type StreamDecoder } from './types.js';

/** The shape shared by the @wasm-audio-decoders family (MIT wrappers over mpg123, libFLAC, libvorbis, libopus). */
interface WasmDecoder {
  ready: Promise<void>;
  decode(bytes: Uint8Array): DecodedLike | Promise<DecodedLike>;
  flush?(): Promise<DecodedLike>;
  free(): void | Promise<void>;
}

interface DecodedLike {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: { message: string; outputSamples: number }[];
}

function piece(decoded: DecodedLike): DecodedPiece {
  return {
    // The decoders reuse nothing between calls, but trim to what was decoded.
    channels: decoded.channelData.map((channel) => channel.subarray(0, decoded.samplesDecoded)),
    sampleRate: decoded.sampleRate,
    errors: decoded.errors.map((error) => ({
      message: error.message,
      outputSamples: error.outputSamples,
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
    if (typeof args[0] === 'string' && /^(libopus -|mpg123-decoder: )/.test(args[0])) return;
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

  constructor(
    readonly codec: string,
    private readonly decoder: WasmDecoder,
    /** For Ogg streams: the rate their granule positions count in. */
    private readonly granuleRate?: number,
  ) {
    this.pages = granuleRate ? new OggPageChecker() : undefined;
  }

  async decode(bytes: Uint8Array): Promise<DecodedPiece> {
    if (!this.pages) return piece(await quietly(() => this.decoder.decode(bytes)));
    const checked = this.pages.push(bytes);
    const decoded = checked.pages.length
      ? piece(await quietly(() => this.decoder.decode(checked.pages)))
      : emptyPiece();
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
    return this.decoder.flush ? piece(await this.decoder.flush()) : emptyPiece();
  }

  free(): void {
    void this.decoder.free();
  }
}

async function ready(
  codec: string,
  decoder: WasmDecoder,
  granuleRate?: number,
): Promise<StreamDecoder> {
  await decoder.ready;
  return new WasmStreamDecoder(codec, decoder, granuleRate);
}

export const mp3Decoder = () => ready('mp3', new MPEGDecoder() as unknown as WasmDecoder);
export const flacDecoder = () => ready('flac', new FLACDecoder() as unknown as WasmDecoder);
/** Vorbis granules count samples at the stream's own rate (from the probe). */
export const vorbisDecoder = (sampleRate: number) =>
  ready('vorbis', new OggVorbisDecoder() as unknown as WasmDecoder, sampleRate);
/** Opus decodes straight to 16 kHz (libopus resamples internally): no resampling pass after it. */
export const oggOpusDecoder = () => {
  // The option exists in the library but not in its type declarations.
  const options = { sampleRate: SAMPLE_RATE } as ConstructorParameters<typeof OggOpusDecoder>[0];
  // Opus granules always count 48 kHz samples.
  return ready('opus', new OggOpusDecoder(options) as unknown as WasmDecoder, 48_000);
};
