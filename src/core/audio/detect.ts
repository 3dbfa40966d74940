/**
 * What a file really holds, read from its first bytes, never from its name:
 * clerks rename files, phones save AAC as ".mp3", recorders write WAV as ".dat".
 */

/** The containers Greffier tells apart. */
export type ContainerKind =
  'wav' | 'rf64' | 'mp3' | 'adts' | 'flac' | 'ogg' | 'webm' | 'mp4' | 'aiff' | 'unknown';

export interface Detected {
  container: ContainerKind;
  /** The codec when the first bytes already say it (Ogg's first packet, MP3 layer). */
  codec?: string;
  /** What it is in words, for messages about files Greffier does not read. */
  what: string;
}

/** Enough of a file's start to recognise every supported container (an ID3 tag may be longer). */
export const DETECT_BYTES = 64 * 1024;

const ascii = (bytes: Uint8Array, start: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(start, start + length));

/** Size of an ID3v2 tag (syncsafe integer), which precedes the first MP3 frame. */
export function id3Size(bytes: Uint8Array, at = 0): number {
  if (bytes.length < at + 10 || ascii(bytes, at, 3) !== 'ID3') return 0;
  const size =
    ((bytes[at + 6]! & 0x7f) << 21) |
    ((bytes[at + 7]! & 0x7f) << 14) |
    ((bytes[at + 8]! & 0x7f) << 7) |
    (bytes[at + 9]! & 0x7f);
  const footer = bytes[at + 5]! & 0x10 ? 10 : 0;
  return 10 + size + footer;
}

/** An MPEG audio frame header (layer I–III) or an ADTS (AAC) header at `at`. */
function frameSync(bytes: Uint8Array, at: number): 'mp3' | 'adts' | undefined {
  if (at + 4 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1]! & 0xe0) !== 0xe0) {
    return undefined;
  }
  const layer = (bytes[at + 1]! >> 1) & 0x03;
  if (layer === 0) return (bytes[at + 1]! & 0xf6) === 0xf0 ? 'adts' : undefined;
  const bitrate = bytes[at + 2]! >> 4;
  const rate = (bytes[at + 2]! >> 2) & 0x03;
  const version = (bytes[at + 1]! >> 3) & 0x03;
  return bitrate !== 0x0f && rate !== 0x03 && version !== 0x01 ? 'mp3' : undefined;
}

function oggCodec(bytes: Uint8Array): string {
  // The first page's first packet names the codec (after the 27-byte header and lacing table).
  if (bytes.length < 28) return 'unknown';
  const segments = bytes[26]!;
  const start = 27 + segments;
  const head = ascii(bytes, start, 8);
  if (head.startsWith('OpusHead')) return 'opus';
  if (head.slice(1, 7) === 'vorbis') return 'vorbis';
  if (head.slice(1, 5) === 'FLAC') return 'flac';
  if (head.startsWith('Speex')) return 'speex';
  if (head.slice(1, 7) === 'theora') return 'theora';
  return 'unknown';
}

export function detectContainer(bytes: Uint8Array): Detected {
  if (bytes.length >= 12) {
    const riff = ascii(bytes, 0, 4);
    const form = ascii(bytes, 8, 4);
    if (riff === 'RIFF' && form === 'WAVE') return { container: 'wav', what: 'a WAV file' };
    if ((riff === 'RF64' || riff === 'BW64') && form === 'WAVE') {
      return { container: 'rf64', what: `an ${riff} WAV file` };
    }
    if (riff === 'RIFF') return { container: 'unknown', what: `a RIFF ${form.trim()} file` };
    if (riff === 'FORM' && form.startsWith('AIF'))
      return { container: 'aiff', what: 'an AIFF file' };
  }
  if (bytes.length >= 4) {
    const magic = ascii(bytes, 0, 4);
    if (magic === 'fLaC') return { container: 'flac', codec: 'flac', what: 'a FLAC file' };
    if (magic === 'OggS') {
      const codec = oggCodec(bytes);
      return { container: 'ogg', codec, what: `an Ogg ${codec} file` };
    }
    if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
      return { container: 'webm', what: 'a WebM/Matroska file' };
    }
    if (magic === 'GGUF') return { container: 'unknown', what: 'a GGUF model file, not audio' };
    if (magic === 'lmgg') return { container: 'unknown', what: 'a ggml model file, not audio' };
    if (magic === '%PDF') return { container: 'unknown', what: 'a PDF document, not audio' };
    if (magic === 'PK\u0003\u0004')
      return { container: 'unknown', what: 'a ZIP archive, not audio' };
    if (magic === '#!AM') return { container: 'unknown', what: 'an AMR voice file' };
    if (magic === '.snd') return { container: 'unknown', what: 'a Sun/NeXT .au file' };
  }
  if (bytes.length >= 8 && ascii(bytes, 4, 4) === 'ftyp') {
    return { container: 'mp4', what: `an MP4/M4A file (${ascii(bytes, 8, 4).trim()})` };
  }
  if (bytes.length >= 16 && bytes[0] === 0x30 && bytes[1] === 0x26 && bytes[2] === 0xb2) {
    return { container: 'unknown', what: 'a Windows Media (WMA/ASF) file' };
  }
  // MPEG audio: after an ID3 tag, or bare frames; two frames in a row make it certain.
  const start = id3Size(bytes);
  if (start > 0 && start >= bytes.length) {
    return { container: 'mp3', codec: 'mp3', what: 'an MP3 file' }; // A long tag (cover art).
  }
  for (let at = start; at < Math.min(bytes.length - 4, start + 4096); at++) {
    const kind = frameSync(bytes, at);
    if (kind === 'adts') return { container: 'adts', codec: 'aac', what: 'an AAC (ADTS) file' };
    if (kind === 'mp3') return { container: 'mp3', codec: 'mp3', what: 'an MP3 file' };
    if (start === 0 && at > 0) break; // Without a tag, the sync must be at the very start.
  }
  // An ID3 tag announces MP3 even when the frames after it are damaged: the decoder says so.
  if (start > 0) return { container: 'mp3', codec: 'mp3', what: 'an MP3 file' };
  return { container: 'unknown', what: 'not a recognised audio file' };
}
