/**
 * Cuts a FLAC stream into frames the decoder can trust, and steps over
 * damage (issue 15). The parser inside @wasm-audio-decoders/flac, on a frame
 * whose checksum fails, searches half a megabyte for an end that matches and
 * then skips all of it: a few kilobytes of garbage in the middle of a file
 * lost everything after them. Here a frame is accepted only when its header
 * checksum (CRC-8) and its whole-frame checksum (CRC-16) hold; a frame that
 * cannot be closed within the largest size its header allows is damaged,
 * reported with its time (FLAC headers carry their position), and reading
 * resumes at the next frame header whose checksums hold.
 */

const CRC8 = (() => {
  const table = new Uint8Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    table[n] = c;
  }
  return table;
})();

const CRC16 = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
    table[n] = c;
  }
  return table;
})();

const BLOCK_SIZES = [
  0, 192, 576, 1152, 2304, 4608, -8, -16, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768,
];
const SAMPLE_SIZES = [0, 8, 12, 0, 16, 20, 24, 32];
const CHANNELS = [1, 2, 3, 4, 5, 6, 7, 8, 2, 2, 2];

interface FrameHeader {
  /** Bytes the header takes (its CRC-8 included). */
  length: number;
  blockSize: number;
  /** The first sample of the frame (from the frame or sample number). */
  firstSample: number;
  /** The most bytes a frame of this shape can take (uncompressed subframes and padding). */
  maxBytes: number;
}

/** A frame header at `at` whose fields are legal and whose CRC-8 holds, or undefined. */
function readHeader(
  b: Uint8Array,
  at: number,
  end: number,
  bitsDefault: number,
): FrameHeader | undefined {
  if (at + 6 > end || b[at] !== 0xff || (b[at + 1]! & 0xfe) !== 0xf8) return undefined;
  const variable = b[at + 1]! & 1;
  const sizeCode = b[at + 2]! >> 4;
  const rateCode = b[at + 2]! & 0x0f;
  const channelCode = b[at + 3]! >> 4;
  const bitsCode = (b[at + 3]! >> 1) & 7;
  if (sizeCode === 0 || rateCode === 15 || channelCode > 10 || bitsCode === 3 || b[at + 3]! & 1)
    return undefined;
  // The frame or sample number, UTF-8 coded (up to 7 bytes).
  let p = at + 4;
  const lead = b[p]!;
  let extra = 0;
  let number: number;
  if (lead < 0x80) number = lead;
  else if (lead >= 0xc0 && lead < 0xfe) {
    extra = lead >= 0xfc ? 5 : lead >= 0xf8 ? 4 : lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
    number = lead & (0x3f >> extra);
  } else return undefined;
  if (p + 1 + extra + 3 > end) return undefined;
  for (let k = 1; k <= extra; k++) {
    const byte = b[p + k]!;
    if ((byte & 0xc0) !== 0x80) return undefined;
    number = number * 64 + (byte & 0x3f);
  }
  p += 1 + extra;
  let blockSize = BLOCK_SIZES[sizeCode]!;
  if (blockSize === -8) blockSize = b[p++]! + 1;
  else if (blockSize === -16) {
    blockSize = ((b[p]! << 8) | b[p + 1]!) + 1;
    p += 2;
  }
  if (rateCode === 12) p += 1;
  else if (rateCode === 13 || rateCode === 14) p += 2;
  if (p >= end) return undefined;
  let crc = 0;
  for (let i = at; i < p; i++) crc = CRC8[crc ^ b[i]!]!;
  if (crc !== b[p]) return undefined;
  const bits = SAMPLE_SIZES[bitsCode] || bitsDefault || 32;
  const channels = CHANNELS[channelCode]!;
  return {
    length: p + 1 - at,
    blockSize,
    firstSample: variable ? number : number * blockSize,
    // Side channels take one bit more; the subframe headers and padding a few bytes.
    maxBytes: Math.ceil((blockSize * channels * (bits + 1)) / 8) + 64 + channels * 8,
  };
}

export interface FlacDamage {
  /** The first sample of the frame that could not be read. */
  atSample: number;
}

export class FlacFrameSplitter {
  private buffer = new Uint8Array(0);
  private metadataDone = false;
  private bitsDefault = 0;
  /** Set while stepping over damage: only one report per damaged stretch. */
  private skipping = false;

  /** Bytes in, in file order; whole checked frames out, with the damage stepped over. */
  push(bytes: Uint8Array, final = false): { frames: Uint8Array[]; damaged: FlacDamage[] } {
    const joined = new Uint8Array(this.buffer.length + bytes.length);
    joined.set(this.buffer);
    joined.set(bytes, this.buffer.length);
    const b = joined;
    const frames: Uint8Array[] = [];
    const damaged: FlacDamage[] = [];
    let at = 0;
    if (!this.metadataDone) {
      const skipped = this.skipMetadata(b);
      if (skipped === undefined) {
        if (final) this.buffer = new Uint8Array(0);
        else this.buffer = b;
        return { frames, damaged };
      }
      at = skipped;
      this.metadataDone = true;
    }
    while (at < b.length) {
      const header = readHeader(b, at, b.length, this.bitsDefault);
      if (!header) {
        if (!final && b.length - at < 32) break; // maybe a header cut by the read: wait for more
        at = this.nextSync(b, at + 1);
        continue;
      }
      const limit = Math.min(b.length, at + header.maxBytes);
      let crc = 0;
      for (let i = at; i < at + header.length; i++)
        crc = ((crc << 8) ^ CRC16[(crc >> 8) ^ b[i]!]!) & 0xffff;
      let end = -1;
      for (let i = at + header.length; i < limit; i++) {
        crc = ((crc << 8) ^ CRC16[(crc >> 8) ^ b[i]!]!) & 0xffff;
        // The CRC-16 over a frame and its own CRC is zero: a frame ends where the next header starts.
        if (
          crc === 0 &&
          (i + 1 === b.length ? final : readHeader(b, i + 1, b.length, this.bitsDefault))
        ) {
          end = i + 1;
          break;
        }
      }
      if (end > 0) {
        frames.push(b.subarray(at, end));
        this.skipping = false;
        at = end;
        continue;
      }
      if (!final && limit === b.length) break; // the frame's end is not read yet
      // No end within the most this frame could take: damaged. Resume at the next header.
      if (!this.skipping) damaged.push({ atSample: header.firstSample });
      this.skipping = true;
      at = this.nextSync(b, at + 1);
    }
    this.buffer = final ? new Uint8Array(0) : b.slice(at);
    return { frames, damaged };
  }

  /** The offset of the next byte pair that looks like a frame sync, or the end. */
  private nextSync(b: Uint8Array, from: number): number {
    for (let i = from; i < b.length - 1; i++) {
      if (b[i] === 0xff && (b[i + 1]! & 0xfe) === 0xf8) return i;
    }
    return Math.max(from, b.length - 1);
  }

  /** Past "fLaC" and the metadata blocks (STREAMINFO gives the sample size); undefined: need more. */
  private skipMetadata(b: Uint8Array): number | undefined {
    if (b.length < 4) return undefined;
    let at = 0;
    if (b[0] === 0x66 && b[1] === 0x4c && b[2] === 0x61 && b[3] === 0x43) {
      at = 4;
      for (;;) {
        if (at + 4 > b.length) return undefined;
        const last = b[at]! & 0x80;
        const type = b[at]! & 0x7f;
        const size = (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
        if (type === 0 && at + 4 + 18 <= b.length) {
          this.bitsDefault = (((b[at + 4 + 12]! & 1) << 4) | (b[at + 4 + 13]! >> 4)) + 1;
        }
        at += 4 + size;
        if (last) break;
      }
      if (at > b.length) return undefined;
    }
    return at;
  }
}
