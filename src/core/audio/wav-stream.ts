import type { ByteSource } from './source.js';
import { GreffierError } from '../errors.js';
import { parseWavHeader, type WavEncoding } from './wav.js';

/**
 * Where a WAV file's samples are, read from the file by position so that
 * files over 2 GB (RIFF sizes up to 4 GB) and RF64/BW64 (64-bit sizes, what
 * broadcast recorders write past 4 GB) work: the header is parsed, the
 * samples are streamed, nothing is read whole.
 */
export interface WavLayout {
  encoding: WavEncoding;
  dataOffset: number;
  dataSize: number;
  durationMs: number;
  /** Set when the header promised more samples than the file holds. */
  truncatedAtMs?: number;
}

const HEADER_PROBE = 64 * 1024;
/** RF64 writes 0xFFFFFFFF in the 32-bit sizes and the real ones in "ds64"; streaming writers leave 0. */
const SIZE_IN_DS64 = 0xffffffff;

async function readAt(handle: ByteSource, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

export async function readWavLayout(
  handle: ByteSource,
  fileSize: number,
  file: string,
): Promise<WavLayout> {
  const head = await readAt(handle, 0, Math.min(fileSize, HEADER_PROBE));
  const rf64 = head.toString('latin1', 0, 4) !== 'RIFF';
  let ds64Data: number | undefined;
  // Walk the chunks by position up to "data": fmt, ds64 and any metadata before the samples.
  const chunks: Buffer[] = [];
  let pos = 12;
  let dataOffset = -1;
  let dataSize = 0;
  while (pos + 8 <= fileSize) {
    const header = await readAt(handle, pos, 8);
    if (header.length < 8) break;
    const id = header.toString('latin1', 0, 4);
    const size32 = header.readUInt32LE(4);
    if (id === 'data') {
      dataOffset = pos + 8;
      dataSize =
        rf64 && size32 === SIZE_IN_DS64 && ds64Data !== undefined
          ? ds64Data
          : size32 === 0 || size32 === SIZE_IN_DS64
            ? fileSize - dataOffset // A writer that never came back to fill the size in.
            : size32;
      break;
    }
    const body = await readAt(handle, pos + 8, Math.min(size32, HEADER_PROBE));
    if (id === 'ds64' && body.length >= 16) {
      ds64Data = body.readUInt32LE(8) + body.readUInt32LE(12) * 2 ** 32;
    }
    if (id === 'fmt ') chunks.push(header, body);
    pos += 8 + size32 + (size32 % 2);
  }
  // The existing checks (format tags, bit depths, impossible headers) run on a small synthetic
  // RIFF holding the fmt chunk and an empty data chunk: one set of rules for both readers.
  const synthetic = Buffer.concat([
    Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'),
    ...chunks,
    Buffer.from('data\0\0\0\0', 'latin1'),
  ]);
  if (dataOffset < 0) {
    throw new GreffierError('audio-unsupported', `${file} has no "data" chunk (no samples)`, {
      hint: 'export it again from the recorder',
    });
  }
  const { encoding } = parseWavHeader(synthetic, file);
  const frameSize = (encoding.bitsPerSample / 8) * encoding.channelCount;
  const available = fileSize - dataOffset;
  const frames = Math.floor(Math.min(dataSize, available) / frameSize);
  const durationMs = (frames / encoding.sampleRate) * 1000;
  return {
    encoding,
    dataOffset,
    dataSize: frames * frameSize,
    durationMs,
    truncatedAtMs: dataSize > available ? durationMs : undefined,
  };
}

/** Converts whole frames of interleaved WAV bytes to one float array per channel. */
export function wavFrames(bytes: Uint8Array, encoding: WavEncoding): Float32Array[] {
  const { channelCount, bitsPerSample, format } = encoding;
  const bytesPerSample = bitsPerSample / 8;
  const frameSize = bytesPerSample * channelCount;
  const frames = Math.floor(bytes.length / frameSize);
  const view = new DataView(bytes.buffer, bytes.byteOffset, frames * frameSize);
  const channels = Array.from({ length: channelCount }, () => new Float32Array(frames));
  for (let c = 0; c < channelCount; c++) {
    const out = channels[c]!;
    let pos = c * bytesPerSample;
    if (format === 'pcm' && bitsPerSample === 16) {
      for (let i = 0; i < frames; i++, pos += frameSize) out[i] = view.getInt16(pos, true) / 32768;
    } else if (format === 'float' && bitsPerSample === 32) {
      for (let i = 0; i < frames; i++, pos += frameSize) out[i] = view.getFloat32(pos, true);
    } else if (format === 'float') {
      for (let i = 0; i < frames; i++, pos += frameSize) out[i] = view.getFloat64(pos, true);
    } else if (bitsPerSample === 8) {
      for (let i = 0; i < frames; i++, pos += frameSize) out[i] = (view.getUint8(pos) - 128) / 128;
    } else if (bitsPerSample === 24) {
      for (let i = 0; i < frames; i++, pos += frameSize) {
        out[i] =
          (view.getUint8(pos) | (view.getUint8(pos + 1) << 8) | (view.getInt8(pos + 2) << 16)) /
          8388608;
      }
    } else {
      for (let i = 0; i < frames; i++, pos += frameSize) {
        out[i] = view.getInt32(pos, true) / 2147483648;
      }
    }
  }
  return channels;
}
