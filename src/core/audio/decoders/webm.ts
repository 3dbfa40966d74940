import { OpusDecoder } from 'opus-decoder';
import { GreffierError } from '../../errors.js';
import { SAMPLE_RATE } from '../../../shared/audio.js';
import { DAMAGE, EbmlReader, ID, readBlock, readFloat, readString, readUint } from './ebml.js';
import { quietly } from './wasm.js';
import { emptyPiece, type DecodedPiece, type StreamDecoder } from './types.js';

interface Track {
  number: number;
  type: number;
  codecId: string;
  codecPrivate?: Uint8Array;
  encrypted: boolean;
}

/** Matroska codec IDs in words, for the refusal of the ones Greffier does not decode. */
const CODEC_NAMES: Record<string, string> = {
  A_AAC: 'AAC',
  A_VORBIS: 'Vorbis in WebM',
  A_MPEG_L3: 'MP3 in Matroska',
  A_AC3: 'AC-3 (Dolby Digital)',
  A_EAC3: 'E-AC-3 (Dolby Digital Plus)',
  A_DTS: 'DTS',
  A_FLAC: 'FLAC in Matroska',
  A_PCM_INT_LIT: 'PCM in Matroska',
};

/** What the container says before the first frame: the audio codec and the duration. */
export interface WebmHeader {
  codecId?: string;
  durationMs?: number;
  encrypted: boolean;
  /** The audio track's number and the clusters' time unit (ns): to find the length without Duration. */
  audioTrack?: number;
  timecodeScale?: number;
}

/**
 * WebM/Matroska with Opus audio (videoconference exports, browser
 * recordings): our EBML reader finds the audio track, libopus (BSD, through
 * the MIT opus-decoder wrapper) decodes its frames straight to 16 kHz.
 */
export class WebmOpusDecoder implements StreamDecoder {
  readonly codec = 'opus';
  readonly header: WebmHeader = { encrypted: false };
  private readonly reader = new EbmlReader();
  private tracks: Track[] = [];
  private current: Partial<Track> | undefined;
  private timecodeScale = 1_000_000;
  private rawDuration: number | undefined;
  private audioTrack: number | undefined;
  private decoder: OpusDecoder<16000> | undefined;

  constructor(private readonly file: string) {}

  /** Reads elements until the codec is known (for the probe), without decoding. */
  scanHeader(bytes: Uint8Array): WebmHeader {
    for (const element of this.reader.push(bytes)) {
      this.header_(element.id, element.data);
      if (element.id === ID.simpleBlock || element.id === ID.block) break;
    }
    this.closeTrack();
    const audio = this.tracks.find((track) => track.type === 2);
    return {
      codecId: audio?.codecId,
      durationMs:
        this.rawDuration === undefined ? undefined : (this.rawDuration * this.timecodeScale) / 1e6,
      encrypted: audio?.encrypted ?? false,
      audioTrack: audio?.number,
      timecodeScale: this.timecodeScale,
    };
  }

  private header_(id: number, data: Uint8Array): void {
    switch (id) {
      case ID.timecodeScale:
        this.timecodeScale = readUint(data);
        break;
      case ID.duration:
        this.rawDuration = readFloat(data);
        break;
      case ID.trackNumber:
        this.closeTrackIfComplete('number');
        this.current = { ...this.current, number: readUint(data) };
        break;
      case ID.trackType:
        this.current = { ...this.current, type: readUint(data) };
        break;
      case ID.codecId:
        this.current = { ...this.current, codecId: readString(data) };
        break;
      case ID.codecPrivate:
        this.current = { ...this.current, codecPrivate: data };
        break;
      case ID.contentEncodings:
        // ContentEncryption (0x5035) inside means the frames are encrypted (DRM).
        this.current = { ...this.current, encrypted: hasId(data, [0x50, 0x35]) };
        break;
      default:
    }
  }

  /** Track entries are flattened: a second TrackNumber starts the next track. */
  private closeTrackIfComplete(field: keyof Track): void {
    if (this.current && this.current[field] !== undefined) this.closeTrack();
  }

  private closeTrack(): void {
    const track = this.current;
    if (track?.number !== undefined) {
      this.tracks.push({
        number: track.number,
        type: track.type ?? 0,
        codecId: track.codecId ?? '',
        codecPrivate: track.codecPrivate,
        encrypted: track.encrypted ?? false,
      });
    }
    this.current = undefined;
  }

  private async openDecoder(): Promise<void> {
    this.closeTrack();
    const audio = this.tracks.find((track) => track.type === 2);
    if (!audio) {
      throw new GreffierError('audio-unsupported', `${this.file} has no audio track`, {
        hint: 'check that the recording has sound; export it again with audio',
      });
    }
    if (audio.encrypted) throw drmError(this.file);
    if (audio.codecId !== 'A_OPUS') {
      const name = CODEC_NAMES[audio.codecId] ?? audio.codecId;
      throw new GreffierError(
        audio.codecId === 'A_AAC' ? 'audio-aac' : 'audio-unsupported',
        `${this.file} is a WebM/Matroska file whose audio is ${name}, which Greffier does not decode`,
        { hint: 'convert it to WAV, FLAC or Opus with a tool your IT department trusts' },
      );
    }
    const head = audio.codecPrivate;
    const options: ConstructorParameters<typeof OpusDecoder<16000>>[0] = {
      sampleRate: SAMPLE_RATE,
    };
    if (head && head.length >= 19 && readString(head.subarray(0, 8)) === 'OpusHead') {
      options.channels = head[9]!;
      options.preSkip = head[10]! | (head[11]! << 8);
      if (head[18]! > 0 && head.length >= 21 + head[9]!) {
        options.streamCount = head[19]!;
        options.coupledStreamCount = head[20]!;
        options.channelMappingTable = Array.from(head.subarray(21, 21 + head[9]!));
      }
    }
    this.decoder = new OpusDecoder(options);
    await this.decoder.ready;
    this.audioTrack = audio.number;
    this.reader.audioTrack = audio.number;
  }

  async decode(bytes: Uint8Array): Promise<DecodedPiece> {
    const frames: Uint8Array[] = [];
    // Frames decoded before each damaged stretch, to give it its place in the audio.
    const damageAfterFrames: number[] = [];
    for (const element of this.reader.push(bytes)) {
      if (element.id === DAMAGE) {
        damageAfterFrames.push(frames.length);
        continue;
      }
      if (element.id !== ID.simpleBlock && element.id !== ID.block) {
        this.header_(element.id, element.data);
        continue;
      }
      if (!this.decoder) await this.openDecoder();
      let block: ReturnType<typeof readBlock>;
      try {
        block = readBlock(element.data);
      } catch {
        damageAfterFrames.push(frames.length);
        continue;
      }
      if (block.track === this.audioTrack) frames.push(...block.frames);
    }
    if (!this.decoder || frames.length === 0) {
      return { ...emptyPiece(SAMPLE_RATE), errors: damageErrors(damageAfterFrames, () => 0) };
    }
    const decoder = this.decoder;
    const decoded = await quietly(() => decoder.decodeFrames(frames));
    // Opus frames here are 20 ms at 16 kHz or less: place each damage by frames decoded before it.
    const perFrame = frames.length ? decoded.samplesDecoded / frames.length : 0;
    return {
      channels: decoded.channelData.map((c) => c.subarray(0, decoded.samplesDecoded)),
      sampleRate: decoded.sampleRate,
      errors: [
        ...damageErrors(damageAfterFrames, (n) => Math.round(n * perFrame)),
        // opus-decoder counts outputSamples from its start, not from this call.
        ...decoded.errors.map((e) => ({
          message: e.message,
          outputSamples: 0,
          atMs: (e.outputSamples / decoded.sampleRate) * 1000,
        })),
      ],
    };
  }

  async flush(): Promise<DecodedPiece> {
    if (!this.decoder) await this.openDecoder(); // A file with tracks but no frames says why.
    return emptyPiece(SAMPLE_RATE);
  }

  /** Bytes at the end that did not make a whole element: the file was cut. */
  get leftover(): number {
    return this.reader.leftover;
  }

  free(): void {
    this.decoder?.free();
  }
}

function damageErrors(
  afterFrames: number[],
  samplesBefore: (frames: number) => number,
): DecodedPiece['errors'] {
  return afterFrames.map((frames) => ({
    message: 'a damaged stretch of the WebM file was skipped up to the next readable block',
    outputSamples: samplesBefore(frames),
  }));
}

function hasId(data: Uint8Array, id: number[]): boolean {
  for (let i = 0; i + id.length <= data.length; i++) {
    if (id.every((byte, j) => data[i + j] === byte)) return true;
  }
  return false;
}

export function drmError(file: string): GreffierError {
  return new GreffierError(
    'audio-drm',
    `${file} is protected by DRM (encrypted audio), which Greffier cannot read`,
    { hint: 'ask for an unprotected copy of the recording' },
  );
}
