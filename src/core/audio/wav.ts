import { readFile } from 'node:fs/promises';
import { GreffierError } from '../errors.js';

// The writer lives apart; older imports of encodeWav16 from here keep working.
export { encodeWav16, wavHeader, wavStream } from './wav-writer.js';

/** Decoded audio: one Float32Array per channel, samples in -1..1. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
  /** How the file stored its samples, for messages and for skipping needless conversion. */
  encoding: WavEncoding;
}

export interface WavEncoding {
  format: 'pcm' | 'float';
  bitsPerSample: number;
  channelCount: number;
  sampleRate: number;
}

export const ACCEPTED_AUDIO =
  'Greffier reads WAV (PCM 8/16/24/32-bit or 32/64-bit float, any sample rate, mono or multi-channel, RF64/BW64), MP3, FLAC, Ogg Vorbis, Ogg Opus and WebM Opus';
const CONVERT_HINT = 'convert it to WAV first (e.g. with Audacity or "sox in.mp3 out.wav")';

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Names a few compressed WAV codecs people meet, so the message says which one. */
const WAV_CODECS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'µ-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
};

function audioError(file: string, problem: string, hint = CONVERT_HINT): GreffierError {
  return new GreffierError('audio-unsupported', `${file} ${problem}; ${ACCEPTED_AUDIO}`, {
    hint,
    exitCode: 1,
  });
}

/** Recognises common non-WAV contents so the error names what the file really is. */
export function sniffContainer(bytes: Uint8Array): string | undefined {
  const ascii = (start: number, length: number) =>
    String.fromCharCode(...bytes.subarray(start, start + length));
  if (bytes.length >= 3 && ascii(0, 3) === 'ID3') return 'an MP3 file';
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0) {
    // MPEG audio frame sync; ADTS AAC shares it with layer bits 00.
    return (bytes[1]! & 0x06) === 0 ? 'an AAC file' : 'an MP3 file';
  }
  if (bytes.length >= 4 && ascii(0, 4) === 'OggS') return 'an Ogg (Vorbis/Opus) file';
  if (bytes.length >= 4 && ascii(0, 4) === 'fLaC') return 'a FLAC file';
  if (bytes.length >= 8 && ascii(4, 4) === 'ftyp') return 'an MP4/M4A file';
  if (bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf)
    return 'a WebM/Matroska file';
  if (bytes.length >= 12 && ascii(0, 4) === 'FORM' && ascii(8, 3) === 'AIF') return 'an AIFF file';
  if (bytes.length >= 4 && ascii(0, 4) === 'GGUF') return 'a GGUF model file, not audio';
  if (bytes.length >= 4 && ascii(0, 4) === 'lmgg') return 'a ggml model file, not audio';
  if (bytes.length >= 4 && ascii(0, 4) === '%PDF') return 'a PDF document, not audio';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 4) !== 'WAVE')
    return `a RIFF ${ascii(8, 4).trim()} file, not WAV audio`;
  return undefined;
}

interface Chunk {
  id: string;
  offset: number;
  size: number;
}

/**
 * Parses a WAV file held in memory. Every malformed input becomes a
 * GreffierError that names `file` and says what is accepted; nothing is
 * guessed from a header that does not match the bytes.
 */
export function decodeWav(bytes: Uint8Array, file = 'the audio'): DecodedAudio {
  const { encoding, dataOffset, dataSize } = parseWavHeader(bytes, file);
  const frameSize = (encoding.bitsPerSample / 8) * encoding.channelCount;
  const frames = Math.floor(dataSize / frameSize);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, frames * frameSize);
  const channels = Array.from({ length: encoding.channelCount }, () => new Float32Array(frames));
  const bytesPerSample = encoding.bitsPerSample / 8;
  const read = sampleReader(view, encoding);
  for (let c = 0; c < encoding.channelCount; c++) {
    const out = channels[c]!;
    let pos = c * bytesPerSample;
    for (let i = 0; i < frames; i++, pos += frameSize) out[i] = read(pos);
  }
  return { sampleRate: encoding.sampleRate, channels, encoding };
}

function sampleReader(view: DataView, encoding: WavEncoding): (pos: number) => number {
  if (encoding.format === 'float') {
    return encoding.bitsPerSample === 32
      ? (pos) => view.getFloat32(pos, true)
      : (pos) => view.getFloat64(pos, true);
  }
  switch (encoding.bitsPerSample) {
    case 8:
      return (pos) => (view.getUint8(pos) - 128) / 128;
    case 16:
      return (pos) => view.getInt16(pos, true) / 32768;
    case 24:
      return (pos) => {
        const v =
          view.getUint8(pos) | (view.getUint8(pos + 1) << 8) | (view.getInt8(pos + 2) << 16);
        return v / 8388608;
      };
    default:
      return (pos) => view.getInt32(pos, true) / 2147483648;
  }
}

/** Reads and checks the header only (cheap): encoding, where the samples are, how many bytes. */
export function parseWavHeader(
  bytes: Uint8Array,
  file = 'the audio',
): { encoding: WavEncoding; dataOffset: number; dataSize: number; durationMs: number } {
  if (bytes.length === 0) throw audioError(file, 'is empty (0 bytes)', 'record or export it again');
  const ascii = (start: number, length: number) =>
    String.fromCharCode(...bytes.subarray(start, start + length));
  if (bytes.length < 12 || ascii(0, 4) !== 'RIFF' || ascii(8, 4) !== 'WAVE') {
    if (bytes.length >= 4 && (ascii(0, 4) === 'RF64' || ascii(0, 4) === 'BW64')) {
      throw audioError(file, 'is an RF64/BW64 (over 4 GB) WAV file, which is not supported');
    }
    const what = sniffContainer(bytes);
    throw audioError(file, what ? `is ${what}` : 'is not a WAV file (no RIFF/WAVE header)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Chunk[] = [];
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = ascii(pos, 4);
    const size = view.getUint32(pos + 4, true);
    chunks.push({ id, offset: pos + 8, size });
    if (id === 'data') break; // Whatever follows the samples (LIST, id3) is not needed.
    pos += 8 + size + (size % 2); // Chunks are padded to an even length.
  }
  const fmt = chunks.find((c) => c.id === 'fmt ');
  const data = chunks.find((c) => c.id === 'data');
  if (!fmt || fmt.offset + 16 > bytes.length || fmt.size < 16) {
    throw audioError(
      file,
      'is a damaged WAV file (no valid "fmt " chunk)',
      'export it again from the recorder',
    );
  }
  let formatTag = view.getUint16(fmt.offset, true);
  const channelCount = view.getUint16(fmt.offset + 2, true);
  const sampleRate = view.getUint32(fmt.offset + 4, true);
  const blockAlign = view.getUint16(fmt.offset + 12, true);
  const bitsPerSample = view.getUint16(fmt.offset + 14, true);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    if (fmt.size < 40 || fmt.offset + 40 > bytes.length) {
      throw audioError(file, 'is a damaged WAV file (short WAVE_FORMAT_EXTENSIBLE header)');
    }
    // The sub-format GUID starts with the plain format tag.
    formatTag = view.getUint16(fmt.offset + 24, true);
  }
  if (formatTag !== WAVE_FORMAT_PCM && formatTag !== WAVE_FORMAT_IEEE_FLOAT) {
    const codec = WAV_CODECS[formatTag] ?? `format 0x${formatTag.toString(16).padStart(4, '0')}`;
    throw audioError(file, `is a compressed WAV file (${codec})`);
  }
  const format = formatTag === WAVE_FORMAT_PCM ? 'pcm' : 'float';
  const validBits =
    format === 'pcm' ? [8, 16, 24, 32].includes(bitsPerSample) : [32, 64].includes(bitsPerSample);
  if (!validBits) {
    throw audioError(
      file,
      `has ${bitsPerSample}-bit ${format === 'pcm' ? 'PCM' : 'float'} samples`,
    );
  }
  if (channelCount < 1 || sampleRate < 1000 || sampleRate > 768_000) {
    throw audioError(
      file,
      `has an impossible header (${channelCount} channels at ${sampleRate} Hz)`,
      'export it again from the recorder',
    );
  }
  if (blockAlign !== (bitsPerSample / 8) * channelCount) {
    throw audioError(
      file,
      `has an inconsistent header (block size ${blockAlign} for ${channelCount} × ${bitsPerSample}-bit)`,
      'export it again from the recorder',
    );
  }
  if (!data) {
    throw audioError(file, 'has no "data" chunk (no samples)', 'export it again from the recorder');
  }
  const available = bytes.length - data.offset;
  if (data.size > available) {
    throw audioError(
      file,
      `has a header that claims ${data.size} bytes of samples but only ${available} are present (truncated or damaged file)`,
      'export it again from the recorder, or repair it with "sox in.wav out.wav"',
    );
  }
  const encoding: WavEncoding = { format, bitsPerSample, channelCount, sampleRate };
  const frames = Math.floor(data.size / blockAlign);
  return {
    encoding,
    dataOffset: data.offset,
    dataSize: data.size,
    durationMs: (frames / sampleRate) * 1000,
  };
}

/** Reads a WAV file from disk with errors that name it. */
export async function readWavFile(path: string): Promise<DecodedAudio> {
  return decodeWav(await readAudioBytes(path), path);
}

export async function readAudioBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new GreffierError('audio-missing', `${path} does not exist`, {
        hint: 'check the path of the audio file',
      });
    }
    if (code === 'EISDIR') {
      throw new GreffierError('audio-missing', `${path} is a folder, not an audio file`, {
        hint: 'give the path of a WAV file',
      });
    }
    if (code === 'ERR_FS_FILE_TOO_LARGE' || error instanceof RangeError) {
      throw new GreffierError(
        'audio-too-large',
        `${path} is larger than 2 GB, more than Greffier reads in one piece`,
        {
          hint: 'split it into parts (e.g. "sox in.wav part.wav trim 0 3600 : newfile : restart")',
        },
      );
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new GreffierError('audio-unreadable', `${path} cannot be read (permission denied)`, {
        hint: 'check the file permissions',
      });
    }
    throw new GreffierError(
      'audio-unreadable',
      `${path} cannot be read (${code ?? 'unknown error'})`,
      {
        hint: 'check that the file is on a readable disk and try again',
        cause: error,
      },
    );
  }
}
