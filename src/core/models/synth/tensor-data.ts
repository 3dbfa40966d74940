import { toFloat16Bits, type BinaryFileWriter } from './binary-writer.js';
import type { SeededRandom } from './random.js';

// Tensors are produced in slices of this many values so memory stays flat.
const SLICE = 1 << 16;

export function writeNormalF32(
  out: BinaryFileWriter,
  random: SeededRandom,
  count: number,
  sigma: number,
): void {
  const slice = new Float32Array(Math.min(SLICE, count));
  for (let done = 0; done < count; done += slice.length) {
    const n = Math.min(slice.length, count - done);
    for (let i = 0; i < n; i++) slice[i] = random.nextNormal(sigma);
    out.bytes(new Uint8Array(slice.buffer, 0, n * 4));
  }
}

export function writeNormalF16(
  out: BinaryFileWriter,
  random: SeededRandom,
  count: number,
  sigma: number,
): void {
  const slice = new Uint16Array(Math.min(SLICE, count));
  for (let done = 0; done < count; done += slice.length) {
    const n = Math.min(slice.length, count - done);
    for (let i = 0; i < n; i++) slice[i] = toFloat16Bits(random.nextNormal(sigma));
    out.bytes(new Uint8Array(slice.buffer, 0, n * 2));
  }
}

export function writeConstantF32(out: BinaryFileWriter, count: number, value: number): void {
  const slice = new Float32Array(Math.min(SLICE, count)).fill(value);
  for (let done = 0; done < count; done += slice.length) {
    const n = Math.min(slice.length, count - done);
    out.bytes(new Uint8Array(slice.buffer, 0, n * 4));
  }
}

/**
 * Rows of random f32 values where `silent(row)` rows are zero: used for the
 * output matrix so greedy sampling never picks byte or control tokens.
 */
export function writeRowsF32(
  out: BinaryFileWriter,
  random: SeededRandom,
  rowLength: number,
  rows: number,
  sigma: number,
  silent: (row: number) => boolean,
): void {
  const row = new Float32Array(rowLength);
  for (let r = 0; r < rows; r++) {
    if (silent(r)) row.fill(0);
    else for (let i = 0; i < rowLength; i++) row[i] = random.nextNormal(sigma);
    out.bytes(new Uint8Array(row.buffer));
  }
}

/** f16 rows, random unless `designed(row)` gives the row's values. */
export function writeRowsF16(
  out: BinaryFileWriter,
  random: SeededRandom,
  rowLength: number,
  rows: number,
  sigma: number,
  designed: (row: number) => Float32Array | undefined,
): void {
  const row = new Uint16Array(rowLength);
  for (let r = 0; r < rows; r++) {
    const values = designed(r);
    for (let i = 0; i < rowLength; i++) {
      row[i] = toFloat16Bits(values ? (values[i] ?? 0) : random.nextNormal(sigma));
    }
    out.bytes(new Uint8Array(row.buffer));
  }
}

export const Q4_0_BLOCK_VALUES = 32;
export const Q4_0_BLOCK_BYTES = 18;

/**
 * Q4_0 rows (per 32 weights: an f16 scale then 16 bytes of 4-bit values)
 * straight from random bits: uniform nibbles times a scale give a spread of
 * about 4.6 × scale, cheap enough for a 1.5 B-parameter file.
 */
export function writeRowsQ4_0(
  out: BinaryFileWriter,
  random: SeededRandom,
  rowLength: number,
  rows: number,
  sigma: number,
  silent: (row: number) => boolean = () => false,
): void {
  if (rowLength % Q4_0_BLOCK_VALUES !== 0) {
    throw new Error(`Q4_0 rows must hold a multiple of 32 values, not ${rowLength}`);
  }
  const blocks = rowLength / Q4_0_BLOCK_VALUES;
  const rowBytes = new Uint8Array(blocks * Q4_0_BLOCK_BYTES);
  const view = new DataView(rowBytes.buffer);
  const scaleBits = toFloat16Bits(sigma / 4.6);
  for (let r = 0; r < rows; r++) {
    if (silent(r)) {
      rowBytes.fill(0);
    } else {
      for (let b = 0; b < blocks; b++) {
        const base = b * Q4_0_BLOCK_BYTES;
        view.setUint16(base, scaleBits, true);
        for (let q = 0; q < 4; q++) view.setUint32(base + 2 + q * 4, random.nextUint32(), true);
      }
    }
    out.bytes(rowBytes);
  }
}
