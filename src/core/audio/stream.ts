import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { sourceChunks } from './source.js';
import { GreffierError } from '../errors.js';
import { SAMPLE_RATE } from '../../shared/audio.js';
import { probeAudio, type AudioInfo } from './probe.js';
import { wavFrames } from './wav-stream.js';
import { StreamResampler } from './resampler.js';
import { flacDecoder, mp3Decoder, oggOpusDecoder, vorbisDecoder } from './decoders/wasm.js';
import { WebmOpusDecoder } from './decoders/webm.js';
import { ParallelMp3Decoder } from './decoders/mp3-parallel.js';
import type { DecodedPiece, StreamDecoder } from './decoders/types.js';

/** How far the decoding is, for a progress bar with an ETA. */
export interface DecodeProgress {
  bytesRead: number;
  bytesTotal: number;
  /** Audio delivered so far, in ms. */
  decodedMs: number;
}

export interface DecodeOptions {
  onProgress?: (progress: DecodeProgress) => void;
  /** Damage the decoder stepped over, with the time it sits at ("a damaged frame at 1:02:03"). */
  onWarning?: (warning: AudioWarning) => void;
  /** Bytes read at a time: bounded memory whatever the file's length. */
  readSize?: number;
  /** Every channel of each decoded piece at the file's rate, before the mix (seat plans). */
  onChannels?: (channels: Float32Array[], sampleRate: number) => void;
  /** Decode in this thread instead of a worker (tests compare both: the samples are the same). */
  inThread?: boolean;
  /**
   * MP3: decoders working at once on successive pieces of the file. By
   * default 2 on a machine with two cores or more, for files of a minute or
   * more (shorter ones are over before a second thread pays off); 1 is the
   * single worker.
   */
  decodeThreads?: number;
}

export interface AudioWarning {
  kind: 'damaged' | 'truncated';
  atMs: number;
  message: string;
}

const READ_SIZE = 256 * 1024;
/** Past this many damaged frames the file is refused: it is not the recording any more. */
const MAX_DAMAGE_REPORTS = 20;
/**
 * Pieces asked of a worker decoder before the first is taken: one decoding
 * while this thread resamples the one before, one waiting. Bounded: at most
 * this many pieces of decoded audio (~3 MB each for 64 kb/s stereo MP3) are
 * held at once, whatever the file's length.
 */
const DECODE_AHEAD = 3;
/** Bytes per request to a worker decoder: 8 s of 64 kb/s MP3, 2.8 MB decoded. */
const DECODE_REQUEST = 64 * 1024;
/**
 * Audio per piece when MP3 pieces decode in parallel: each piece after the
 * first decodes 16–31 frames of warm-up again (2–4 % at 16 s), and each
 * holds ~5.6 MB decoded (44.1 kHz stereo) while it waits its turn.
 */
const PARALLEL_PIECE_MS = 16_000;
/** Below this, one worker: starting a second costs more than it saves. */
const PARALLEL_MIN_MS = 60_000;

/** How many MP3 decoders to run at once for this file. */
function mp3Threads(info: AudioInfo, options: DecodeOptions): number {
  if (options.inThread) return 1;
  if (options.decodeThreads !== undefined) return Math.max(1, Math.floor(options.decodeThreads));
  return availableParallelism() >= 2 && (info.durationMs ?? 0) >= PARALLEL_MIN_MS ? 2 : 1;
}

/** "1:02:03.4" for messages: where in the recording something happened. */
export function formatTime(ms: number): string {
  const total = Math.max(0, ms) / 1000;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = (total % 60).toFixed(1).padStart(4, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}

/** The decoder for a probed file that is not WAV (the bench times it alone too). */
export async function decoderFor(
  info: AudioInfo,
  inThread?: boolean,
  decodeThreads = 1,
  /** Several MP3 workers may hand back what whisper reads (16 kHz mono) instead of the channels. */
  whisper = false,
): Promise<StreamDecoder> {
  switch (info.container) {
    case 'mp3':
      if (decodeThreads > 1 && !inThread) {
        const parallel = await ParallelMp3Decoder.start(decodeThreads, whisper);
        if (parallel) return parallel;
      }
      return mp3Decoder(inThread);
    case 'flac':
      return flacDecoder(info.sampleRate ?? 44_100, inThread);
    case 'ogg':
      return info.codec === 'opus'
        ? oggOpusDecoder(inThread)
        : vorbisDecoder(info.sampleRate ?? 44_100, inThread);
    case 'webm':
      return new WebmOpusDecoder(info.file);
    default:
      throw new GreffierError('audio-unsupported', `${info.file} is ${info.what}`, {
        hint: 'convert it to WAV or FLAC',
      });
  }
}

/**
 * The file as whisper hears it: 16 kHz mono float samples, in pieces, read
 * and decoded a quarter megabyte at a time (any length in bounded memory).
 * Refused files throw before the first piece; damage inside the file is
 * reported through `onWarning` with its time, and decoding goes on past it.
 */
export async function* whisperSamples(
  info: AudioInfo,
  options: DecodeOptions = {},
): AsyncGenerator<Float32Array> {
  if (info.refusal) throw info.refusal;
  const { onProgress, onWarning } = options;
  const wav = info.wav;
  const readSize = options.readSize ?? READ_SIZE;
  const stream = info.source
    ? Readable.from(
        sourceChunks(
          info.source,
          wav?.dataOffset ?? 0,
          wav ? wav.dataOffset + wav.dataSize : info.bytes,
          readSize,
        ),
      )
    : createReadStream(info.file, {
        highWaterMark: readSize,
        ...(wav ? { start: wav.dataOffset, end: wav.dataOffset + wav.dataSize - 1 } : {}),
      });
  const threads = info.container === 'mp3' ? mp3Threads(info, options) : 1;
  // The channels are wanted here for a seat plan: then the workers decode only.
  const decoder = wav
    ? undefined
    : await decoderFor(info, options.inThread, threads, !options.onChannels);
  let resampler: StreamResampler | undefined;
  let bytesRead = wav ? wav.dataOffset : 0;
  let decodedMs = 0;
  let inputSamples = 0;
  let inputRate = 0;
  let damage = 0;
  let leftover: Uint8Array = new Uint8Array(0);
  const frameSize = wav ? (wav.encoding.bitsPerSample / 8) * wav.encoding.channelCount : 0;

  const toWhisper = (piece: DecodedPiece): Float32Array | undefined => {
    for (const error of piece.errors) {
      damage++;
      const atMs =
        error.atMs ?? ((inputSamples + error.outputSamples) / (piece.sampleRate || 1)) * 1000;
      if (damage > MAX_DAMAGE_REPORTS) {
        throw new GreffierError(
          'audio-damaged',
          `${info.file} is too damaged to import: more than ${MAX_DAMAGE_REPORTS} broken frames, the last at ${formatTime(atMs)}`,
          {
            hint: 'import another copy of the recording, or repair it with a tool your IT department trusts',
          },
        );
      }
      onWarning?.({
        kind: 'damaged',
        atMs,
        message: `${info.file}: damaged audio at ${formatTime(atMs)} skipped (${error.message})`,
      });
    }
    if (piece.whisper) {
      // Mixed and resampled by the worker that decoded it.
      inputRate = piece.sampleRate;
      inputSamples += piece.whisper.frames;
      decodedMs = inputRate ? (inputSamples / inputRate) * 1000 : decodedMs;
      return piece.whisper.samples.length ? piece.whisper.samples : undefined;
    }
    const frames = piece.channels[0]?.length ?? 0;
    if (frames === 0) return undefined;
    if (!resampler || piece.sampleRate !== inputRate) {
      // The rate is the decoder's, known once it has read a frame (and fixed for a stream).
      inputRate = piece.sampleRate;
      resampler = new StreamResampler(inputRate, SAMPLE_RATE);
    }
    inputSamples += frames;
    decodedMs = (inputSamples / inputRate) * 1000;
    options.onChannels?.(piece.channels, inputRate);
    const out = resampler.pushChannels(piece.channels);
    return out.length ? out : undefined;
  };

  // Decoded pieces asked for and not yet taken, oldest first, with the bytes read when asked.
  const ahead: { piece: Promise<DecodedPiece>; bytesRead: number }[] = [];
  const depth = decoder?.pipelined ? (decoder.decodeAhead ?? DECODE_AHEAD) : 1;
  // Parallel MP3: pieces of ~16 s (each carries its warm-up frames), at most a read's worth.
  const request =
    threads > 1 && info.durationMs
      ? Math.max(4096, Math.round((info.bytes / info.durationMs) * PARALLEL_PIECE_MS))
      : DECODE_REQUEST;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      if (wav) {
        const bytes = leftover.length ? Buffer.concat([leftover, chunk]) : chunk;
        const whole = bytes.length - (bytes.length % frameSize);
        leftover = bytes.subarray(whole);
        const out = toWhisper({
          channels: wavFrames(bytes.subarray(0, whole), wav.encoding),
          sampleRate: wav.encoding.sampleRate,
          errors: [],
        });
        if (out) yield out;
        onProgress?.({ bytesRead, bytesTotal: info.bytes, decodedMs });
        continue;
      }
      // A worker gets smaller requests: each decoded piece held ahead stays a few MB.
      const step = depth > 1 ? Math.min(request, chunk.length) : chunk.length;
      for (let at = 0; at < chunk.length; at += step) {
        const part = chunk.subarray(at, at + step);
        const piece = decodeOrExplain(decoder!, part, info, () => decodedMs);
        // Awaited in turn below; until then a failure must not count as unhandled.
        piece.catch(() => undefined);
        ahead.push({ piece, bytesRead: bytesRead - chunk.length + at + part.length });
        if (ahead.length < depth) continue;
        const next = ahead.shift()!;
        const out = toWhisper(await next.piece);
        if (out) yield out;
        onProgress?.({ bytesRead: next.bytesRead, bytesTotal: info.bytes, decodedMs });
      }
    }
    for (const next of ahead.splice(0)) {
      const out = toWhisper(await next.piece);
      if (out) yield out;
      onProgress?.({ bytesRead: next.bytesRead, bytesTotal: info.bytes, decodedMs });
    }
    if (decoder) {
      const out = toWhisper(await decoder.flush());
      if (out) yield out;
    }
    if (resampler) {
      const tail = resampler.flush();
      if (tail.length) yield tail;
    }
  } finally {
    decoder?.free();
    // Closed before this returns, also when the reader stops early: the file is free to move or delete.
    if (!stream.closed) {
      const closed = once(stream, 'close').catch(() => undefined);
      stream.destroy();
      await closed;
    }
  }
  if (inputSamples === 0) {
    throw new GreffierError(
      'audio-damaged',
      `${info.file} is ${info.what}, but no audio could be decoded from it`,
      { hint: 'import another copy of the recording, or export it again' },
    );
  }
  const truncatedAt = wav?.truncatedAtMs ?? endedEarly(info, decodedMs);
  if (truncatedAt !== undefined && damage > 0) {
    // Frames were dropped inside the file: the audio after the damage is there, shifted earlier.
    onWarning?.({
      kind: 'damaged',
      atMs: truncatedAt,
      message: `${info.file}: ${formatTime(info.durationMs! - decodedMs)} of audio lost to damage; the meeting is ${formatTime(decodedMs)} long where the header announces ${formatTime(info.durationMs!)}`,
    });
  } else if (truncatedAt !== undefined) {
    onWarning?.({
      kind: 'truncated',
      atMs: truncatedAt,
      message: `${info.file} ends at ${formatTime(truncatedAt)}${info.durationMs ? `, but its header announces ${formatTime(info.durationMs)}` : ''}: the file is truncated or damaged there; what comes before is imported`,
    });
  }
  onProgress?.({ bytesRead: info.bytes, bytesTotal: info.bytes, decodedMs });
}

/** A header that promised noticeably more audio than the file held: the file was cut. */
function endedEarly(info: AudioInfo, decodedMs: number): number | undefined {
  if (!info.durationMs || !info.durationExact) return undefined;
  return decodedMs < info.durationMs * 0.99 - 500 ? decodedMs : undefined;
}

async function decodeOrExplain(
  decoder: StreamDecoder,
  chunk: Uint8Array,
  info: AudioInfo,
  /** Read when it fails: how far the audio taken so far reaches. */
  decodedMs: () => number,
): Promise<DecodedPiece> {
  try {
    return await decoder.decode(chunk);
  } catch (error) {
    if (error instanceof GreffierError) throw error;
    throw new GreffierError(
      'audio-damaged',
      `${info.file} is damaged at ${formatTime(decodedMs())}: ${(error as Error).message}`,
      { hint: 'import another copy of the recording, or export it again', cause: error },
    );
  }
}

/** Probes, then decodes: the one call for a path (CLI convert, import). */
export async function openAudio(file: string): Promise<AudioInfo> {
  const info = await probeAudio(file);
  if (info.refusal) throw info.refusal;
  return info;
}
