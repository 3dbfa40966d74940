import { readFileSync } from 'node:fs';
import { BinaryFileWriter, toFloat16Bits } from './binary-writer.js';

/**
 * Quantises a whisper.cpp model file (legacy ggml format, f16) the way
 * whisper.cpp's own quantize tool does, so the catalogue's q5_1 / q8_0
 * variants can be measured with generated weights: every 2-D tensor except
 * the positional embeddings and the conv biases becomes Q8_0 or Q5_1 (32
 * weights per block), the conv weights stay f16, 1-D tensors stay f32, and
 * the header's ftype says which. The speed is what a real quantised model of
 * the same dimensions costs; the words stay nonsense, as with the f16 file.
 */
export type WhisperQuantType = 'q8_0' | 'q5_1';

/** ggml's ftype (with its quantisation version, 2, × 1000) and tensor type per kind. */
const KINDS: Record<WhisperQuantType, { ftype: number; type: number; blockBytes: number }> = {
  q8_0: { ftype: 2000 + 7, type: 8, blockBytes: 34 },
  q5_1: { ftype: 2000 + 9, type: 7, blockBytes: 24 },
};
const TYPE_F16 = 1;
const BLOCK = 32;
const SKIP = new Set([
  'encoder.conv1.bias',
  'encoder.conv2.bias',
  'encoder.positional_embedding',
  'decoder.positional_embedding',
]);

export function quantizeWhisperModel(input: string, output: string, kind: WhisperQuantType): void {
  const source = readFileSync(input);
  const { ftype, type, blockBytes } = KINDS[kind];
  const out = new BinaryFileWriter(output);
  try {
    let at = 0;
    const i32 = () => {
      const v = source.readInt32LE(at);
      at += 4;
      return v;
    };
    // Magic and the eleven hyper-parameters, the last of which is the ftype.
    out.u32(source.readUInt32LE(0));
    at = 4;
    for (let i = 0; i < 10; i++) out.i32(i32());
    if (i32() !== 1) throw new Error(`${input} is not an f16 whisper model`);
    out.i32(ftype);
    // Mel filters and vocabulary are copied as they are.
    const mels = i32();
    const fft = i32();
    at += mels * fft * 4;
    const vocab = source.readInt32LE(at);
    at += 4;
    for (let i = 0; i < vocab; i++) at += 4 + source.readUInt32LE(at);
    out.bytes(source.subarray(4 + 11 * 4, at));
    while (at < source.length) {
      const dims = i32();
      const nameLength = i32();
      const ttype = i32();
      const shape = Array.from({ length: dims }, i32);
      const name = source.subarray(at, at + nameLength).toString('utf8');
      at += nameLength;
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = count * (ttype === TYPE_F16 ? 2 : 4);
      const data = source.subarray(at, at + bytes);
      at += bytes;
      const quantize = dims === 2 && !SKIP.has(name) && ttype === TYPE_F16 && shape[0]! % BLOCK === 0;
      out.i32(dims);
      out.i32(nameLength);
      out.i32(quantize ? type : ttype);
      for (const d of shape) out.i32(d);
      out.bytes(Buffer.from(name, 'utf8'));
      if (!quantize) {
        out.bytes(data);
        continue;
      }
      const values = new Float32Array(BLOCK);
      const block = new Uint8Array(blockBytes);
      const view = new DataView(block.buffer);
      for (let b = 0; b < count / BLOCK; b++) {
        for (let i = 0; i < BLOCK; i++) values[i] = fromFloat16Bits(data.readUInt16LE((b * BLOCK + i) * 2));
        if (kind === 'q8_0') quantizeQ8(values, view);
        else quantizeQ5_1(values, view, block);
        out.bytes(block);
      }
    }
    out.close();
  } catch (error) {
    out.abandon();
    throw error;
  }
}

/** Q8_0: an f16 scale, then 32 signed bytes. */
function quantizeQ8(values: Float32Array, view: DataView): void {
  let amax = 0;
  for (const v of values) amax = Math.max(amax, Math.abs(v));
  const d = amax / 127;
  const id = d ? 1 / d : 0;
  view.setUint16(0, toFloat16Bits(d), true);
  for (let i = 0; i < BLOCK; i++) view.setInt8(2 + i, Math.round(values[i]! * id));
}

/** Q5_1: f16 scale and minimum, 32 fifth bits, then 32 low nibbles (value j and j + 16 share a byte). */
function quantizeQ5_1(values: Float32Array, view: DataView, block: Uint8Array): void {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const d = (max - min) / 31;
  const id = d ? 1 / d : 0;
  view.setUint16(0, toFloat16Bits(d), true);
  view.setUint16(2, toFloat16Bits(min), true);
  let high = 0;
  for (let j = 0; j < BLOCK / 2; j++) {
    const a = Math.min(31, Math.trunc((values[j]! - min) * id + 0.5));
    const b = Math.min(31, Math.trunc((values[j + 16]! - min) * id + 0.5));
    block[8 + j] = (a & 0xf) | ((b & 0xf) << 4);
    high |= ((a >> 4) & 1) << j;
    high |= ((b >> 4) & 1) << (j + 16);
  }
  view.setUint32(4, high >>> 0, true);
}

function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
