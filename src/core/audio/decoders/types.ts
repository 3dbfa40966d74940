/** What a decoder hands back for each piece of the file: samples per channel, at its own rate. */
export interface DecodedPiece {
  channels: Float32Array[];
  sampleRate: number;
  /** Frames the codec could not decode, with how many samples had been decoded before each. */
  errors: { message: string; outputSamples: number; atMs?: number }[];
  /**
   * Set when the decoder also mixed and resampled the piece (MP3 on several
   * workers): `samples` are what whisper reads (16 kHz mono), made from
   * `frames` decoded samples at `sampleRate`; `channels` is then empty.
   */
  whisper?: { samples: Float32Array; frames: number };
}

/**
 * One interface over every codec: bytes in (any cut, in file order), samples
 * out. Decoders keep only their own small state, so a file of any length
 * goes through in bounded memory.
 */
export interface StreamDecoder {
  readonly codec: string;
  /**
   * True when decode() may be called again before the last call settled (a
   * decoder in a worker thread): the file's next pieces then decode while
   * this thread resamples, answered in the order asked.
   */
  readonly pipelined?: boolean;
  /** Pieces to ask ahead when pipelined (default 3); several workers want more. */
  readonly decodeAhead?: number;
  decode(bytes: Uint8Array): Promise<DecodedPiece>;
  /** Whatever the decoder still holds once the file has ended. */
  flush(): Promise<DecodedPiece>;
  free(): void;
}

export const emptyPiece = (sampleRate = 0): DecodedPiece => ({
  channels: [],
  sampleRate,
  errors: [],
});
