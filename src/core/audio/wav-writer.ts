import { SAMPLE_RATE } from '../../shared/audio.js';
import { floatToInt16, int16ToBytes } from './pcm.js';

const WAVE_FORMAT_PCM = 0x0001;
const HEADER_BYTES = 44;
/**
 * The data size a streamed WAV gives when it does not know its length yet
 * (the largest a RIFF size field holds): readers, whisper.cpp's among them,
 * then read to the end of the stream.
 */
const UNKNOWN_SIZE = 0xffffffff;

/**
 * The 44-byte header of a 16-bit PCM WAV. `samples` counts every sample of
 * every channel; `undefined` means a stream whose length is not known yet.
 */
export function wavHeader(
  samples: number | undefined,
  sampleRate = SAMPLE_RATE,
  channels = 1,
): Buffer {
  const dataSize = samples === undefined ? UNKNOWN_SIZE : samples * 2;
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(samples === undefined ? UNKNOWN_SIZE : 36 + dataSize, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataSize, 40);
  return header;
}

/**
 * A whole 16-bit PCM WAV in memory, for short audio (a playback range, a
 * test fixture). Float samples (-1..1) are converted with floatToInt16;
 * `channels` > 1 means the samples are interleaved.
 */
export function encodeWav16(
  samples: Float32Array | Int16Array,
  sampleRate = SAMPLE_RATE,
  channels = 1,
): Buffer {
  const pcm = samples instanceof Int16Array ? samples : floatToInt16(samples);
  return Buffer.concat([wavHeader(pcm.length, sampleRate, channels), int16ToBytes(pcm)]);
}

/**
 * A WAV as a stream, for audio too long to hold as one file in memory (a
 * meeting's journal): the header first, with the length left unknown, then
 * each chunk's bytes as it comes. Each yielded buffer is a view over the
 * chunk's samples (no copy on little-endian machines), so zeroing it once it
 * is written wipes the plaintext samples too.
 */
export async function* wavStream(
  chunks: AsyncIterable<Int16Array> | Iterable<Int16Array>,
  sampleRate = SAMPLE_RATE,
): AsyncGenerator<Buffer> {
  yield wavHeader(undefined, sampleRate);
  for await (const samples of chunks) yield int16ToBytes(samples);
}
