import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

const CHUNK_BYTES = 1 << 20;

/**
 * Little-endian writer that streams to a file through one reusable 1 MB
 * buffer, so a gigabyte model never sits in memory. It writes to a temporary
 * name and renames on close: a reader (or a parallel test) never sees half a
 * model under the final name.
 */
export class BinaryFileWriter {
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(CHUNK_BYTES);
  private used = 0;
  private written = 0;
  private readonly tempPath: string;
  private closed = false;

  constructor(private readonly path: string) {
    this.tempPath = `${path}.partial-${process.pid}-${Date.now()}`;
    this.fd = openSync(this.tempPath, 'w', 0o644);
  }

  /** Bytes written so far (the file offset of the next byte). */
  get offset(): number {
    return this.written + this.used;
  }

  private room(bytes: number): void {
    if (this.used + bytes > CHUNK_BYTES) this.flush();
  }

  private flush(): void {
    let done = 0;
    while (done < this.used) done += writeSync(this.fd, this.buffer, done, this.used - done);
    this.written += this.used;
    this.used = 0;
  }

  u8(value: number): void {
    this.room(1);
    this.buffer[this.used++] = value & 0xff;
  }

  u16(value: number): void {
    this.room(2);
    this.used = this.buffer.writeUInt16LE(value & 0xffff, this.used);
  }

  u32(value: number): void {
    this.room(4);
    this.used = this.buffer.writeUInt32LE(value >>> 0, this.used);
  }

  i32(value: number): void {
    this.room(4);
    this.used = this.buffer.writeInt32LE(value | 0, this.used);
  }

  u64(value: number): void {
    this.room(8);
    this.used = this.buffer.writeBigUInt64LE(BigInt(value), this.used);
  }

  f32(value: number): void {
    this.room(4);
    this.used = this.buffer.writeFloatLE(value, this.used);
  }

  bytes(data: Uint8Array): void {
    if (data.length > CHUNK_BYTES) {
      this.flush();
      let done = 0;
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done);
      this.written += data.length;
      return;
    }
    this.room(data.length);
    this.buffer.set(data, this.used);
    this.used += data.length;
  }

  /** Pads with zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    const extra = (alignment - (this.offset % alignment)) % alignment;
    for (let i = 0; i < extra; i++) this.u8(0);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
    this.closed = true;
    renameSync(this.tempPath, this.path);
  }

  /** Drops the partial file after a failure. */
  abandon(): void {
    if (!this.closed) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.closed = true;
    }
    rmSync(this.tempPath, { force: true });
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE half-precision bits of a number (round to nearest even), for f16 tensors. */
export function toFloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  e = half;
  return sign | e;
}
