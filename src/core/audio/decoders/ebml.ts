/**
 * A small streaming reader of EBML (the WebM/Matroska container), just
 * enough to find the audio track and hand its frames to a decoder. It keeps
 * only the bytes of the element it is reading; a cluster of any length or
 * of unknown size (MediaRecorder writes those) streams through.
 */

export const ID = {
  segment: 0x18538067,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  duration: 0x4489,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackType: 0x83,
  codecId: 0x86,
  codecPrivate: 0x63a2,
  audio: 0xe1,
  samplingFrequency: 0xb5,
  channels: 0x9f,
  contentEncodings: 0x6d80,
  cluster: 0x1f43b675,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
} as const;

/** Masters whose children matter: their content is read as if it were top level. */
const DESCEND = new Set<number>([
  ID.segment,
  ID.info,
  ID.tracks,
  ID.trackEntry,
  ID.audio,
  ID.cluster,
  ID.blockGroup,
]);

/** Leaves read whole (small), everything else is skipped without being held. */
const READ = new Set<number>([
  ID.timecodeScale,
  ID.duration,
  ID.trackNumber,
  ID.trackType,
  ID.codecId,
  ID.codecPrivate,
  ID.samplingFrequency,
  ID.channels,
  ID.contentEncodings,
  ID.simpleBlock,
  ID.block,
]);

/**
 * What may follow once the clusters have begun: cluster and block-group
 * children, the segment's own sections, Void and CRC-32. Anything else there
 * is damage (garbage read as an element), and so is a block larger than any
 * audio block: the reader then looks for the next cluster and goes on.
 */
const AFTER_CLUSTERS = new Set<number>([
  ...[0xe7, 0xa7, 0xab, 0xa3, 0xa0, 0xa1, 0x9b, 0xfb, 0x75a2, 0x75a1, 0xa6, 0xee, 0xa5, 0x8e],
  ...[0xe8, 0xcc, 0xfa, 0xa4, 0xa2, 0xfd, 0xaf, 0x5854, 0x58d7, 0xec, 0xbf],
  ...[ID.cluster, 0x1c53bb6b, 0x1254c367, 0x114d9b74, 0x1043a770, 0x1941a469, ID.info, ID.tracks],
  ...[ID.segment, 0x1a45dfa3],
]);
const MAX_BLOCK = 1 << 20;
/** A block resumed at after damage is an audio block: an Opus packet is at most a few kilobytes. */
const MAX_RESUME_BLOCK = 1 << 16;
/** The mark `push` leaves among the elements where it stepped over damage. */
export const DAMAGE = -1;
const CLUSTER_ID = [0x1f, 0x43, 0xb6, 0x75];

export interface EbmlElement {
  id: number;
  data: Uint8Array;
}

/** Reads a variable-length integer; `marker` keeps the length bits (element IDs keep them). */
export function vint(
  bytes: Uint8Array,
  at: number,
  marker: boolean,
): { value: number; length: number; unknown: boolean } | undefined {
  if (at >= bytes.length) return undefined;
  const first = bytes[at]!;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8) return { value: -1, length: 1, unknown: false }; // Not EBML: caller fails.
  if (at + length > bytes.length) return undefined;
  let value = marker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[at + i]!;
    if (bytes[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !marker && allOnes };
}

export class EbmlReader {
  private pending = new Uint8Array(0);
  private skipping = 0;
  /** Bytes consumed so far, for messages that say where the file broke. */
  offset = 0;
  /** Set by the first cluster: from then on damage is stepped over, not refused. */
  private inClusters = false;
  /** Looking for the next cluster after damage. */
  private hunting = false;
  /** Damaged stretches stepped over so far (each one: from the damage to the next cluster). */
  damaged = 0;

  /** The audio track, once known: after damage, reading resumes at its next block. */
  audioTrack: number | undefined;
  /** Tracks of the blocks read before any damage (until the audio track is known: one of them). */
  private readonly blockTracks = new Set<number>();

  /**
   * After damage: drops bytes up to the next cluster's ID or the next block
   * of the audio track (kept), or all but the last bytes when there is none
   * yet (a block may straddle two reads: it is checked once they are in).
   */
  private hunt(buffer: Uint8Array, from: number): number {
    for (let i = from; i + 4 <= buffer.length; i++) {
      if (CLUSTER_ID.every((byte, k) => buffer[i + k] === byte)) {
        this.hunting = false;
        return i;
      }
      if (buffer[i] !== ID.simpleBlock || this.blockTracks.size === 0) continue;
      const block = this.blockAt(buffer, i);
      if (block === 'more') return i;
      if (block) {
        this.hunting = false;
        return i;
      }
    }
    return Math.max(from, buffer.length - 3);
  }

  /**
   * Whether a SimpleBlock of the audio track starts at `at` and another
   * element a block may be followed by (a block, a block group, a cluster)
   * starts where it ends: a chance match in damaged bytes would have to
   * pass every check ('more' when the bytes to tell have not come yet).
   */
  private blockAt(buffer: Uint8Array, at: number): boolean | 'more' {
    const size = vint(buffer, at + 1, false);
    if (!size) return 'more';
    if (size.unknown || size.value < 4 || size.value > MAX_RESUME_BLOCK) return false;
    const body = at + 1 + size.length;
    const track = vint(buffer, body, false);
    if (!track) return 'more';
    if (
      this.audioTrack === undefined
        ? !this.blockTracks.has(track.value)
        : track.value !== this.audioTrack
    ) {
      return false;
    }
    const flags = buffer[body + track.length + 2];
    if (flags === undefined) return 'more';
    if (flags & 0x70) return false; // Reserved bits.
    const next = body + size.value;
    if (next + 4 > buffer.length) return 'more';
    if (CLUSTER_ID.every((byte, k) => buffer[next + k] === byte)) return true;
    if (buffer[next] === ID.blockGroup) return true;
    if (buffer[next] !== ID.simpleBlock) return false;
    const nextSize = vint(buffer, next + 1, false);
    if (!nextSize) return 'more';
    return !nextSize.unknown && nextSize.value >= 4 && nextSize.value <= MAX_RESUME_BLOCK;
  }

  /** Feeds bytes; returns the leaf elements completed by them, in file order. */
  push(bytes: Uint8Array): EbmlElement[] {
    let input = bytes;
    if (this.skipping > 0) {
      const skip = Math.min(this.skipping, input.length);
      this.skipping -= skip;
      this.offset += skip;
      input = input.subarray(skip);
    }
    const buffer = this.pending.length ? concat(this.pending, input) : input;
    const out: EbmlElement[] = [];
    let at = 0;
    for (;;) {
      if (this.hunting) {
        const found = this.hunt(buffer, at);
        this.offset += found - at;
        at = found;
        if (this.hunting) break;
      }
      const id = vint(buffer, at, true);
      if (!id) break;
      const size = id.value < 0 ? undefined : vint(buffer, at + id.length, false);
      if (id.value >= 0 && !size) break;
      if (
        this.inClusters &&
        (id.value < 0 ||
          !AFTER_CLUSTERS.has(id.value) ||
          (size!.unknown && !DESCEND.has(id.value)) ||
          ((id.value === ID.simpleBlock || id.value === ID.block) && size!.value > MAX_BLOCK))
      ) {
        // Garbage read as an element: step over it to the next cluster (marked in the output).
        this.damaged++;
        this.hunting = true;
        out.push({ id: DAMAGE, data: new Uint8Array(0) });
        at += 1;
        this.offset += 1;
        continue;
      }
      if (id.value < 0) throw new Error(`not a valid WebM element at byte ${this.offset}`);
      if (id.value === ID.cluster) this.inClusters = true;
      const header = id.length + size!.length;
      if (DESCEND.has(id.value)) {
        at += header; // Children follow; sizes (even unknown) need not be tracked.
        this.offset += header;
        continue;
      }
      if (size!.unknown) throw new Error(`an element of unknown size at byte ${this.offset}`);
      if (READ.has(id.value)) {
        if (at + header + size!.value > buffer.length) break; // Wait for the rest.
        const data = buffer.slice(at + header, at + header + size!.value);
        // Before any damage, blocks are the file's own: their tracks are the ones to resume at.
        if (id.value === ID.simpleBlock && this.damaged === 0) {
          const track = vint(data, 0, false);
          if (track && track.value > 0) this.blockTracks.add(track.value);
        }
        out.push({ id: id.value, data });
        at += header + size!.value;
        this.offset += header + size!.value;
        continue;
      }
      // Skipped: video frames, cues, tags, attachments.
      const available = buffer.length - at - header;
      at += header;
      this.offset += header;
      if (size!.value > available) {
        this.skipping = size!.value - available;
        this.offset += available;
        at = buffer.length;
        break;
      }
      at += size!.value;
      this.offset += size!.value;
    }
    this.pending = at < buffer.length ? buffer.slice(at) : new Uint8Array(0);
    return out;
  }

  /** Bytes received but not yet a whole element (a file cut in the middle of one). */
  get leftover(): number {
    return this.pending.length + this.skipping;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function readUint(data: Uint8Array): number {
  let value = 0;
  for (const byte of data) value = value * 256 + byte;
  return value;
}

export function readFloat(data: Uint8Array): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return data.length === 4 ? view.getFloat32(0) : data.length === 8 ? view.getFloat64(0) : 0;
}

export function readString(data: Uint8Array): string {
  return String.fromCharCode(...data).replace(/\0+$/, '');
}

/** A (Simple)Block: its track, and its frames (one unless laced). */
export function readBlock(data: Uint8Array): { track: number; frames: Uint8Array[] } {
  const track = vint(data, 0, false);
  if (!track || track.value < 0) throw new Error('a damaged block');
  const flagsAt = track.length + 2;
  const flags = data[flagsAt] ?? 0;
  const lacing = (flags >> 1) & 0x03;
  const body = data.subarray(flagsAt + 1);
  if (lacing === 0) return { track: track.value, frames: [body] };
  const count = body[0]! + 1;
  if (lacing === 2) {
    const size = Math.floor((body.length - 1) / count);
    return {
      track: track.value,
      frames: Array.from({ length: count }, (_, i) =>
        body.subarray(1 + i * size, 1 + (i + 1) * size),
      ),
    };
  }
  // Xiph (1) and EBML (3) lacing: sizes of all frames but the last.
  const sizes: number[] = [];
  let at = 1;
  if (lacing === 1) {
    for (let i = 0; i < count - 1; i++) {
      let size = 0;
      while (body[at] === 0xff) {
        size += 255;
        at++;
      }
      size += body[at++]!;
      sizes.push(size);
    }
  } else {
    const first = vint(body, at, false)!;
    sizes.push(first.value);
    at += first.length;
    for (let i = 1; i < count - 1; i++) {
      const raw = vint(body, at, false)!;
      const bias = 2 ** (7 * raw.length - 1) - 1; // Signed differences from the previous size.
      sizes.push(sizes[i - 1]! + raw.value - bias);
      at += raw.length;
    }
  }
  const frames: Uint8Array[] = [];
  for (const size of sizes) {
    frames.push(body.subarray(at, at + size));
    at += size;
  }
  frames.push(body.subarray(at));
  return { track: track.value, frames };
}
