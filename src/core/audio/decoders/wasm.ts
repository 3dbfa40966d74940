import { MPEGDecoder } from 'mpg123-decoder';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { SAMPLE_RATE } from '../../../shared/audio.js';
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

class WasmStreamDecoder implements StreamDecoder {
  constructor(
    readonly codec: string,
    private readonly decoder: WasmDecoder,
  ) {}

  async decode(bytes: Uint8Array): Promise<DecodedPiece> {
    return piece(await this.decoder.decode(bytes));
  }

  async flush(): Promise<DecodedPiece> {
    return this.decoder.flush ? piece(await this.decoder.flush()) : emptyPiece();
  }

  free(): void {
    void this.decoder.free();
  }
}

async function ready(codec: string, decoder: WasmDecoder): Promise<StreamDecoder> {
  await decoder.ready;
  return new WasmStreamDecoder(codec, decoder);
}

export const mp3Decoder = () => ready('mp3', new MPEGDecoder() as unknown as WasmDecoder);
export const flacDecoder = () => ready('flac', new FLACDecoder() as unknown as WasmDecoder);
export const vorbisDecoder = () =>
  ready('vorbis', new OggVorbisDecoder() as unknown as WasmDecoder);
/** Opus decodes straight to 16 kHz (libopus resamples internally): no resampling pass after it. */
export const oggOpusDecoder = () => {
  // The option exists in the library but not in its type declarations.
  const options = { sampleRate: SAMPLE_RATE } as ConstructorParameters<typeof OggOpusDecoder>[0];
  return ready('opus', new OggOpusDecoder(options) as unknown as WasmDecoder);
};
