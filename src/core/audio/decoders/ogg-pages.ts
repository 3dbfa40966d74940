/**
 * Checks each Ogg page's CRC before the decoder sees it. The Ogg decoders
 * we ship skip that check, so a damaged page's garbage reaches libopus or
 * libvorbis, which either fail on every packet or — worse — decode it as
 * noise of the wrong length. A damaged page is dropped whole and reported
 * with the time of the last good page (its granule position).
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function pageCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    // The CRC field itself (bytes 22–25) counts as zeros.
    const byte = i >= 22 && i < 26 ? 0 : page[i]!;
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  }
  return crc;
}

export interface OggCheckResult {
  pages: Uint8Array;
  /** Damaged stretches found in these bytes, each at the granule of the last good page. */
  damaged: { granule: number }[];
}

export class OggPageChecker {
  private pending: Uint8Array = new Uint8Array(0);
  private lastGranule = 0;
  private inDamage = false;

  push(bytes: Uint8Array): OggCheckResult {
    const buffer = this.pending.length ? concat(this.pending, bytes) : bytes;
    const good: Uint8Array[] = [];
    const damaged: { granule: number }[] = [];
    let at = 0;
    const damage = () => {
      if (!this.inDamage) damaged.push({ granule: this.lastGranule });
      this.inDamage = true;
    };
    while (at + 27 <= buffer.length) {
      if (
        buffer[at] !== 0x4f ||
        buffer[at + 1] !== 0x67 ||
        buffer[at + 2] !== 0x67 ||
        buffer[at + 3] !== 0x53
      ) {
        damage(); // Bytes between pages: not Ogg any more.
        at++;
        continue;
      }
      const segments = buffer[at + 26]!;
      if (at + 27 + segments > buffer.length) break;
      let bodyLength = 0;
      for (let i = 0; i < segments; i++) bodyLength += buffer[at + 27 + i]!;
      const end = at + 27 + segments + bodyLength;
      if (end > buffer.length) break;
      const page = buffer.subarray(at, end);
      const stored =
        (buffer[at + 22]! |
          (buffer[at + 23]! << 8) |
          (buffer[at + 24]! << 16) |
          (buffer[at + 25]! << 24)) >>>
        0;
      if (pageCrc(page) !== stored) {
        damage();
        at++; // Resynchronise on the next capture pattern.
        continue;
      }
      const view = new DataView(page.buffer, page.byteOffset + 6, 8);
      const granule = Number(view.getBigInt64(0, true));
      if (granule >= 0) this.lastGranule = granule;
      this.inDamage = false;
      good.push(page);
      at = end;
    }
    this.pending = buffer.slice(at);
    return { pages: good.length === 1 ? good[0]!.slice() : concatAll(good), damaged };
  }

  /** Bytes left over at the end that never made a whole page: the file was cut. */
  get leftover(): number {
    return this.pending.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
