import type { ByteSource } from '../source.js';
import { ID, readBlock, readUint, vint } from './ebml.js';

/**
 * How long a WebM is when its header does not say: MediaRecorder (browser
 * recordings, some videoconference tools) and any writer that cannot seek
 * back leave out the Duration element. The last cluster holds the answer:
 * its timecode, plus the last audio block's offset in it, plus that block's
 * own length (read from the Opus packets' first byte). Bounded: only the
 * file's last megabyte is read, and a cluster is believed only when its
 * children read as elements up to the end.
 */
const TAIL_BYTES = 1 << 20;
const CLUSTER_ID = [0x1f, 0x43, 0xb6, 0x75];
const CLUSTER_TIMECODE = 0xe7;

export async function webmDurationFromClusters(
  source: ByteSource,
  size: number,
  audioTrack: number,
  timecodeScale: number,
): Promise<number | undefined> {
  const start = Math.max(0, size - TAIL_BYTES);
  const tail = new Uint8Array(size - start);
  const { bytesRead } = await source.read(tail, 0, tail.length, start);
  const bytes = tail.subarray(0, bytesRead);
  // From the last cluster back: a cluster cut short by the end of the file may still hold blocks.
  for (let at = lastCluster(bytes, bytes.length); at >= 0; at = lastCluster(bytes, at)) {
    const last = lastBlock(bytes.subarray(at), audioTrack);
    if (last) return (last.timecode * timecodeScale) / 1e6 + last.ms;
  }
  return undefined;
}

/** The last cluster ID that starts before `before`, or -1. */
function lastCluster(bytes: Uint8Array, before: number): number {
  for (let i = Math.min(before, bytes.length - 4) - 1; i >= 0; i--) {
    if (CLUSTER_ID.every((byte, k) => bytes[i + k] === byte)) return i;
  }
  return -1;
}

/**
 * The last audio block of the cluster at the start of `bytes`: its time (in
 * timecode units) and its length in ms. A cluster without a timecode first,
 * or with anything that does not read as an element, is not believed.
 */
function lastBlock(
  bytes: Uint8Array,
  audioTrack: number,
): { timecode: number; ms: number } | undefined {
  const clusterSize = vint(bytes, 4, false);
  if (!clusterSize) return undefined;
  let at = 4 + clusterSize.length;
  let timecode: number | undefined;
  let last: { timecode: number; ms: number } | undefined;
  while (at < bytes.length) {
    const id = vint(bytes, at, true);
    const size = id && id.value >= 0 ? vint(bytes, at + id.length, false) : undefined;
    if (!id || (id.value >= 0 && !size)) break; // Cut by the end of the file.
    if (id.value < 0 || !size || (size.unknown && id.value !== ID.cluster)) return undefined;
    if (id.value === ID.cluster) break; // The next cluster, cut off: this one is complete.
    const body = at + id.length + size.length;
    if (id.value === ID.blockGroup) {
      at = body; // Its Block follows, as a child.
      continue;
    }
    if (body + size.value > bytes.length) break;
    const data = bytes.subarray(body, body + size.value);
    if (id.value === CLUSTER_TIMECODE) timecode = readUint(data);
    else if (id.value === ID.simpleBlock || id.value === ID.block) {
      const track = vint(data, 0, false);
      if (timecode === undefined || !track || data.length < track.length + 4) return undefined;
      if (track.value === audioTrack) {
        const offset = new DataView(data.buffer, data.byteOffset).getInt16(track.length);
        const frames = readBlock(data).frames;
        last = {
          timecode: timecode + offset,
          ms: frames.reduce((sum, frame) => sum + opusPacketMs(frame), 0),
        };
      }
    }
    at = body + size.value;
  }
  return last;
}

/** Milliseconds of audio in an Opus packet, from its TOC byte (RFC 6716, 3.1). */
export function opusPacketMs(packet: Uint8Array): number {
  if (packet.length === 0) return 0;
  const config = packet[0]! >> 3;
  const frameMs =
    config < 12
      ? [10, 20, 40, 60][config % 4]!
      : config < 16
        ? [10, 20][config % 2]!
        : [2.5, 5, 10, 20][config % 4]!;
  const code = packet[0]! & 3;
  const frames = code === 0 ? 1 : code < 3 ? 2 : (packet[1] ?? 0) & 0x3f;
  return frameMs * frames;
}
