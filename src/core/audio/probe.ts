import { open, stat } from 'node:fs/promises';
import { GreffierError } from '../errors.js';
import { detectContainer, DETECT_BYTES, id3Size, type ContainerKind } from './detect.js';
import { readWavLayout, type WavLayout } from './wav-stream.js';
import { readMp4Audio } from './mp4.js';
import { WebmOpusDecoder, drmError, type WebmHeader } from './decoders/webm.js';
import { webmDurationFromClusters } from './decoders/webm-duration.js';
import { readAudioBytes } from './wav.js';
import type { ByteSource, SizedSource } from './source.js';

/** What `greffier audio probe` prints and the import shows before it starts. */
export interface AudioInfo {
  file: string;
  bytes: number;
  container: ContainerKind;
  /** The container in words ("an MP3 file"). */
  what: string;
  codec: string;
  sampleRate?: number;
  channels?: number;
  /** From the header; undefined when the file does not say (a live WebM recording). */
  durationMs?: number;
  /** False when the duration is estimated (an MP3 without a frame count). */
  durationExact: boolean;
  /** Why Greffier cannot import it (AAC, DRM, unknown codec); undefined when it can. */
  refusal?: GreffierError;
  /** For WAV: where the samples are. */
  wav?: WavLayout;
  /** Read from here rather than from `file` (then only the name shown in messages). */
  source?: ByteSource;
}

const CONVERT_HINT_EN =
  'convert it to WAV, FLAC, MP3 or Opus with a tool your IT department trusts (e.g. "ffmpeg -i in.m4a out.flac")';

export const ACCEPTED_FORMATS =
  'Greffier reads WAV (including RF64/BW64), MP3, FLAC, Ogg Vorbis, Ogg Opus and WebM Opus';

export function aacRefusal(file: string, what: string): GreffierError {
  return new GreffierError(
    'audio-aac',
    `${file} is ${what} with AAC audio. Greffier cannot decode AAC: no AAC decoder with a licence Greffier may ship is available`,
    { hint: CONVERT_HINT_EN },
  );
}

function unsupported(file: string, problem: string): GreffierError {
  return new GreffierError('audio-unsupported', `${file} ${problem}; ${ACCEPTED_FORMATS}`, {
    hint: CONVERT_HINT_EN,
  });
}

async function readAt(handle: ByteSource, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, length));
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * What a recording is, from its content. With `source`, the bytes are read
 * from it (the app's sealed upload) and `file` is only the name messages use.
 */
export async function probeAudio(file: string, source?: SizedSource): Promise<AudioInfo> {
  // readAudioBytes' messages (missing, folder, permission) for a path that cannot be opened.
  const size = source
    ? source.size
    : await stat(file).then(
        (s) => (s.isDirectory() ? -1 : s.size),
        () => -2,
      );
  if (size < 0) await readAudioBytes(file);
  if (size === 0) {
    throw new GreffierError('audio-unsupported', `${file} is empty (0 bytes)`, {
      hint: 'record or export it again',
    });
  }
  const fileHandle = source ? undefined : await open(file, 'r');
  const handle: ByteSource = source ?? fileHandle!;
  try {
    const head = await readAt(handle, 0, DETECT_BYTES);
    const detected = detectContainer(head);
    const base = {
      file,
      bytes: size,
      container: detected.container,
      what: detected.what,
      ...(source ? { source } : {}),
    };
    switch (detected.container) {
      case 'wav':
      case 'rf64': {
        const wav = await readWavLayout(handle, size, file);
        return {
          ...base,
          codec: `pcm_${wav.encoding.format === 'float' ? 'f' : 's'}${wav.encoding.bitsPerSample}`,
          sampleRate: wav.encoding.sampleRate,
          channels: wav.encoding.channelCount,
          durationMs: wav.durationMs,
          durationExact: true,
          wav,
        };
      }
      case 'flac':
        return { ...base, ...flacInfo(head) };
      case 'ogg':
        return {
          ...base,
          ...(await oggInfo(file, handle, size, head, detected.codec ?? 'unknown')),
        };
      case 'mp3':
        return { ...base, ...(await mp3Info(handle, size, head)) };
      case 'webm': {
        const { header, ...info } = webmInfo(file, head);
        if (info.durationMs === undefined && !info.refusal && header?.audioTrack !== undefined) {
          // No Duration element (MediaRecorder): the last cluster says how long it is.
          info.durationMs = await webmDurationFromClusters(
            handle,
            size,
            header.audioTrack,
            header.timecodeScale ?? 1_000_000,
          );
        }
        return { ...base, ...info };
      }
      case 'mp4': {
        const audio = await readMp4Audio(handle, size);
        const info = {
          ...base,
          codec: audio.codec ?? 'none',
          sampleRate: audio.sampleRate,
          channels: audio.channels,
          durationMs: audio.durationMs,
          durationExact: true,
        };
        if (audio.encrypted) return { ...info, refusal: drmError(file) };
        if (!audio.codec) return { ...info, refusal: unsupported(file, 'has no audio track') };
        if (audio.codec === 'aac') return { ...info, refusal: aacRefusal(file, detected.what) };
        return {
          ...info,
          refusal: unsupported(
            file,
            `is ${detected.what} whose audio is ${audio.codec}, which Greffier does not decode in MP4`,
          ),
        };
      }
      case 'adts':
        return {
          ...base,
          codec: 'aac',
          durationExact: false,
          refusal: aacRefusal(file, 'an AAC file'),
        };
      default:
        return {
          ...base,
          codec: 'unknown',
          durationExact: false,
          refusal: unsupported(file, `is ${detected.what}`),
        };
    }
  } finally {
    await fileHandle?.close();
  }
}

type CodecInfo = Pick<
  AudioInfo,
  'codec' | 'sampleRate' | 'channels' | 'durationMs' | 'durationExact' | 'refusal'
>;

function flacInfo(head: Uint8Array): CodecInfo {
  // STREAMINFO, the first metadata block: rate (20 bits), channels (3), bits (5), total samples (36).
  const d = head.subarray(8);
  if (d.length < 18) return { codec: 'flac', durationExact: false };
  const sampleRate = (d[10]! << 12) | (d[11]! << 4) | (d[12]! >> 4);
  const channels = ((d[12]! >> 1) & 0x07) + 1;
  const total =
    (d[13]! & 0x0f) * 2 ** 32 + ((d[14]! << 24) >>> 0) + (d[15]! << 16) + (d[16]! << 8) + d[17]!;
  return {
    codec: 'flac',
    sampleRate,
    channels,
    durationMs: total > 0 && sampleRate > 0 ? (total / sampleRate) * 1000 : undefined,
    durationExact: total > 0,
  };
}

async function oggInfo(
  file: string,
  handle: ByteSource,
  size: number,
  head: Uint8Array,
  codec: string,
): Promise<CodecInfo> {
  const packet = head.subarray(27 + (head[26] ?? 0));
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  let sampleRate: number | undefined;
  let channels: number | undefined;
  let preSkip = 0;
  if (codec === 'opus' && packet.length >= 19) {
    channels = packet[9]!;
    preSkip = view.getUint16(10, true);
    sampleRate = 48_000; // Opus granules count 48 kHz samples whatever the input rate was.
  } else if (codec === 'vorbis' && packet.length >= 16) {
    channels = packet[11]!;
    sampleRate = view.getUint32(12, true);
  }
  if (codec !== 'opus' && codec !== 'vorbis') {
    return {
      codec,
      durationExact: false,
      refusal: unsupported(
        file,
        `is an Ogg file with ${codec} audio, which Greffier does not decode`,
      ),
    };
  }
  // The last page's granule position is the stream's length in samples.
  const tail = await readAt(handle, Math.max(0, size - 65536), Math.min(size, 65536));
  let granule: number | undefined;
  for (let at = tail.length - 27; at >= 0; at--) {
    if (tail[at] === 0x4f && tail.toString('latin1', at, at + 4) === 'OggS') {
      const value = Number(tail.readBigInt64LE(at + 6));
      if (value > 0) {
        granule = value;
        break;
      }
    }
  }
  return {
    codec,
    sampleRate,
    channels,
    durationMs:
      granule !== undefined && sampleRate ? ((granule - preSkip) / sampleRate) * 1000 : undefined,
    durationExact: granule !== undefined,
  };
}

const MP3_BITRATES = {
  v1l3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2l3: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES = [44100, 48000, 32000];

async function mp3Info(handle: ByteSource, size: number, head: Uint8Array): Promise<CodecInfo> {
  let start = id3Size(head);
  const bytes =
    start + 4096 > head.length ? await readAt(handle, start, 4096) : head.subarray(start);
  if (bytes !== head) start = 0;
  let at = start;
  while (at + 4 < bytes.length && !(bytes[at] === 0xff && (bytes[at + 1]! & 0xe0) === 0xe0)) at++;
  if (at + 4 >= bytes.length) return { codec: 'mp3', durationExact: false };
  const version = (bytes[at + 1]! >> 3) & 0x03; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const bitrateIndex = bytes[at + 2]! >> 4;
  const sampleRate =
    MP3_RATES[(bytes[at + 2]! >> 2) & 0x03]! / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const mono = bytes[at + 3]! >> 6 === 3;
  const samplesPerFrame = version === 3 ? 1152 : 576;
  // A Xing/Info (or VBRI) header in the first frame counts the frames: an exact duration.
  const sideInfo = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
  const xing = at + 4 + sideInfo;
  const tag = Buffer.from(bytes.subarray(xing, xing + 4)).toString('latin1');
  if ((tag === 'Xing' || tag === 'Info') && bytes[xing + 7]! & 0x01) {
    const frames = Buffer.from(bytes.subarray(xing + 8, xing + 12)).readUInt32BE(0);
    return {
      codec: 'mp3',
      sampleRate,
      channels: mono ? 1 : 2,
      durationMs: ((frames * samplesPerFrame) / sampleRate) * 1000,
      durationExact: true,
    };
  }
  const vbri = at + 36;
  if (Buffer.from(bytes.subarray(vbri, vbri + 4)).toString('latin1') === 'VBRI') {
    const frames = Buffer.from(bytes.subarray(vbri + 14, vbri + 18)).readUInt32BE(0);
    return {
      codec: 'mp3',
      sampleRate,
      channels: mono ? 1 : 2,
      durationMs: ((frames * samplesPerFrame) / sampleRate) * 1000,
      durationExact: true,
    };
  }
  const kbps = (version === 3 ? MP3_BITRATES.v1l3 : MP3_BITRATES.v2l3)[bitrateIndex] ?? 0;
  return {
    codec: 'mp3',
    sampleRate,
    channels: mono ? 1 : 2,
    // Constant bit rate assumed: an estimate, said so.
    durationMs: kbps > 0 ? ((size - start - at) * 8) / kbps : undefined,
    durationExact: false,
  };
}

function webmInfo(file: string, head: Uint8Array): CodecInfo & { header?: WebmHeader } {
  let header;
  try {
    header = new WebmOpusDecoder(file).scanHeader(head);
  } catch {
    return {
      codec: 'unknown',
      durationExact: false,
      refusal: unsupported(file, 'is a damaged WebM file'),
    };
  }
  const codec =
    header.codecId === 'A_OPUS'
      ? 'opus'
      : header.codecId === 'A_AAC'
        ? 'aac'
        : (header.codecId ?? 'unknown');
  const info = {
    codec,
    sampleRate: codec === 'opus' ? 48_000 : undefined,
    durationMs: header.durationMs,
    durationExact: header.durationMs !== undefined,
    header,
  };
  if (header.encrypted) return { ...info, refusal: drmError(file) };
  if (codec === 'aac') return { ...info, refusal: aacRefusal(file, 'a WebM/Matroska file') };
  if (codec !== 'opus' && header.codecId !== undefined) {
    return {
      ...info,
      refusal: unsupported(file, `is a WebM/Matroska file whose audio is ${codec}`),
    };
  }
  return info;
}
