import type { ByteSource } from './source.js';

/**
 * What an MP4/M4A/MOV file's audio track is, read from its "moov" box
 * wherever it sits (phones put it at the end). Only the boxes on the way to
 * the sample description are read, never the media data.
 */
export interface Mp4Audio {
  /** "aac", "mp3", "opus", "flac", "alac", "ac-3"…; undefined when there is no sound track. */
  codec?: string;
  durationMs?: number;
  sampleRate?: number;
  channels?: number;
  encrypted: boolean;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);
const CODECS: Record<string, string> = {
  mp4a: 'aac',
  Opus: 'opus',
  fLaC: 'flac',
  alac: 'alac',
  'ac-3': 'ac-3',
  'ec-3': 'e-ac-3',
  '.mp3': 'mp3',
  samr: 'amr',
  sowt: 'pcm',
  twos: 'pcm',
  lpcm: 'pcm',
};
/** The moov box is metadata; past this size the file is not one Greffier should trust. */
const MAX_MOOV = 64 * 1024 * 1024;

export async function readMp4Audio(handle: ByteSource, fileSize: number): Promise<Mp4Audio> {
  let pos = 0;
  while (pos + 8 <= fileSize) {
    const header = Buffer.alloc(16);
    await handle.read(header, 0, 16, pos);
    let size = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    let headerSize = 8;
    if (size === 1) {
      size = Number(header.readBigUInt64BE(8));
      headerSize = 16;
    } else if (size === 0) {
      size = fileSize - pos;
    }
    if (size < headerSize) break;
    if (type === 'moov') {
      const body = Buffer.alloc(Math.min(size - headerSize, MAX_MOOV));
      await handle.read(body, 0, body.length, pos + headerSize);
      return parseMoov(body);
    }
    pos += size;
  }
  return { encrypted: false };
}

function* boxes(data: Buffer): Generator<{ type: string; body: Buffer }> {
  let at = 0;
  while (at + 8 <= data.length) {
    let size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1 && at + 16 <= data.length) {
      size = Number(data.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = data.length - at;
    }
    if (size < header || at + size > data.length) return;
    yield { type, body: data.subarray(at + header, at + size) };
    at += size;
  }
}

function parseMoov(moov: Buffer): Mp4Audio {
  let durationMs: number | undefined;
  for (const box of boxes(moov)) {
    if (box.type === 'mvhd') {
      const v1 = box.body[0] === 1;
      const timescale = box.body.readUInt32BE(v1 ? 20 : 12);
      const duration = v1 ? Number(box.body.readBigUInt64BE(24)) : box.body.readUInt32BE(16);
      if (timescale > 0) durationMs = (duration / timescale) * 1000;
    }
  }
  for (const trak of boxes(moov)) {
    if (trak.type !== 'trak') continue;
    const found = soundEntry(trak.body, false);
    // The sound track's own length: a video's picture track may run longer.
    if (found) return { ...found, durationMs: trackDurationMs(trak.body) ?? durationMs };
  }
  return { durationMs, encrypted: false };
}

function trackDurationMs(trak: Buffer): number | undefined {
  for (const mdia of boxes(trak)) {
    if (mdia.type !== 'mdia') continue;
    for (const box of boxes(mdia.body)) {
      if (box.type !== 'mdhd') continue;
      const v1 = box.body[0] === 1;
      const timescale = box.body.readUInt32BE(v1 ? 20 : 12);
      const duration = v1 ? Number(box.body.readBigUInt64BE(24)) : box.body.readUInt32BE(16);
      return timescale > 0 ? (duration / timescale) * 1000 : undefined;
    }
  }
  return undefined;
}

/** Walks a track down to its sample description; only a sound handler ("soun") counts. */
function soundEntry(data: Buffer, sound: boolean): Omit<Mp4Audio, 'durationMs'> | undefined {
  let isSound = sound;
  for (const box of boxes(data)) {
    if (box.type === 'hdlr' && box.body.toString('latin1', 8, 12) === 'soun') isSound = true;
  }
  for (const box of boxes(data)) {
    if (CONTAINERS.has(box.type)) {
      const found = soundEntry(box.body, isSound);
      if (found) return found;
    } else if (box.type === 'stsd' && isSound && box.body.length >= 16) {
      const entry = box.body.toString('latin1', 12, 16);
      // The audio sample entry: channel count at 32, rate (16.16 fixed point) at 40.
      const format =
        box.body.length >= 44
          ? { channels: box.body.readUInt16BE(32), sampleRate: box.body.readUInt16BE(40) }
          : {};
      if (entry === 'enca') {
        return { ...format, codec: codecOfEncrypted(box.body), encrypted: true };
      }
      if (entry === 'mp4a' && mpegLayer3(box.body)) {
        return { ...format, codec: 'mp3', encrypted: false };
      }
      return { ...format, codec: CODECS[entry] ?? entry.trim(), encrypted: false };
    }
  }
  return undefined;
}

function codecOfEncrypted(stsd: Buffer): string {
  const frma = stsd.indexOf('frma', 0, 'latin1');
  const original = frma >= 0 ? stsd.toString('latin1', frma + 4, frma + 8) : 'enca';
  return CODECS[original] ?? original;
}

/** MP3 stored in MP4 uses the "mp4a" entry with object type 0x69 or 0x6B in its esds. */
function mpegLayer3(stsd: Buffer): boolean {
  const esds = stsd.indexOf('esds', 0, 'latin1');
  if (esds < 0) return false;
  const decoderConfig = stsd.indexOf(0x04, esds + 8);
  if (decoderConfig < 0) return false;
  let at = decoderConfig + 1;
  while (at < stsd.length && stsd[at]! & 0x80) at++; // The descriptor length takes 1–4 bytes.
  const objectType = stsd[at + 1];
  return objectType === 0x69 || objectType === 0x6b;
}
