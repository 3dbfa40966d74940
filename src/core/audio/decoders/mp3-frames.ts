/**
 * Cuts an MP3 stream at frame boundaries, so that pieces of one file can be
 * decoded by several decoders at once (issue 15: decoding MP3 in
 * WebAssembly is the import's bottleneck, and the machine has two cores).
 *
 * A piece cut in the middle of a stream cannot be decoded alone: layer III
 * frames borrow bytes from the frames before them (the bit reservoir, up to
 * 511 bytes back) and each granule overlaps the previous one. So every piece
 * after the first carries "warm-up" frames, the ones just before it, whose
 * output the decoder throws away. Measured with mpg123: after a few frames
 * the output is bit-identical to a decode from the start provided the
 * decoder has run as many frames modulo 16 as it would have from the start
 * (its synthesis filter writes a 16-slot ring buffer, one slot per 32
 * samples). The warm-up count is chosen so: 16 to 31 frames.
 *
 * The first frame may be a Xing/Info frame with the LAME tag (encoder delay
 * and padding): mpg123 then trims the stream's start and end ("gapless").
 * The first piece's decoder sees that frame and trims the start itself;
 * the end is trimmed by the caller from `endSample`, as mpg123 would.
 */

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const RATES = [44_100, 48_000, 32_000];
/** mpg123's own decoder delay, added to the LAME tag's figures (its GAPLESS_DELAY). */
const DECODER_DELAY = 529;
/** Warm-up frames: at least this many (the bit reservoir reaches back ~3 frames at low bitrates). */
const MIN_WARMUP = 16;

export interface Mp3Header {
  /** Bytes in the frame, header included. */
  length: number;
  samplesPerFrame: number;
  sampleRate: number;
  mpeg1: boolean;
  mono: boolean;
}

/** A layer III frame header at `at`, or undefined (other layers are not cut: mp3 only). */
export function mp3Header(bytes: Uint8Array, at: number): Mp3Header | undefined {
  if (at + 4 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1]! & 0xe0) !== 0xe0) {
    return undefined;
  }
  const version = (bytes[at + 1]! >> 3) & 3;
  const layer = (bytes[at + 1]! >> 1) & 3;
  const bitrateIndex = bytes[at + 2]! >> 4;
  const rateIndex = (bytes[at + 2]! >> 2) & 3;
  if (
    version === 1 ||
    layer !== 1 ||
    bitrateIndex === 0 ||
    bitrateIndex === 15 ||
    rateIndex === 3
  ) {
    return undefined;
  }
  const mpeg1 = version === 3;
  const rate = RATES[rateIndex]! / (mpeg1 ? 1 : version === 2 ? 2 : 4);
  const bitrate = (mpeg1 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex]! * 1000;
  const padding = (bytes[at + 2]! >> 1) & 1;
  return {
    length: Math.floor(((mpeg1 ? 144 : 72) * bitrate) / rate) + padding,
    samplesPerFrame: mpeg1 ? 1152 : 576,
    sampleRate: rate,
    mpeg1,
    mono: bytes[at + 3]! >> 6 === 3,
  };
}

/** The Xing/Info frame's gapless figures, as mpg123 reads them; undefined for an audio frame. */
function infoFrame(
  bytes: Uint8Array,
  at: number,
  header: Mp3Header,
): { endSample: number; startSample: number } | undefined {
  const tag = at + 4 + (header.mpeg1 ? (header.mono ? 17 : 32) : header.mono ? 9 : 17);
  const end = at + header.length;
  if (tag + 8 > end) return undefined;
  const id = String.fromCharCode(...bytes.subarray(tag, tag + 4));
  if (id !== 'Xing' && id !== 'Info') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const flags = view.getUint32(tag + 4);
  let p = tag + 8;
  const frames = flags & 1 ? view.getUint32(p) : undefined;
  p += (flags & 1 ? 4 : 0) + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
  // The LAME extension: 21 bytes of encoder name and settings, then 12 bits of delay, 12 of padding.
  if (frames === undefined || p + 24 > end) return { endSample: Infinity, startSample: 0 };
  const delay = (bytes[p + 21]! << 4) | (bytes[p + 22]! >> 4);
  const padding = ((bytes[p + 22]! & 15) << 8) | bytes[p + 23]!;
  return {
    endSample: frames * header.samplesPerFrame - padding + DECODER_DELAY,
    startSample: delay + DECODER_DELAY,
  };
}

export interface Mp3Piece {
  /** Frames to decode first and throw away (empty for the first piece). */
  warmup: Uint8Array;
  /** The piece itself: whole frames (and any garbage between them). */
  body: Uint8Array;
  /**
   * The whole frames just after the body (`lookahead` of them; empty for the
   * last piece): decoded past the body's end, they give its last samples the
   * input a resampling filter reaches ahead for.
   */
  after: Uint8Array;
  /** Audio frames before the body (the Info frame not counted). */
  firstFrame: number;
  /** Audio frames in the body. */
  frames: number;
  samplesPerFrame: number;
  /** True for the file's last piece. */
  final: boolean;
}

export class Mp3FrameCutter {
  private pending: Uint8Array = new Uint8Array(0);
  /** Where scanning resumes in `pending`. */
  private scanAt = 0;
  /** Audio frame starts found in `pending` and not yet cut off. */
  private starts: number[] = [];
  /** Frames already cut off, the latest ones kept for warm-up. */
  private recent: Uint8Array = new Uint8Array(0);
  private recentStarts: number[] = [];
  private framesCut = 0;
  private first = true;
  samplesPerFrame = 1152;
  /** The first frame header's rate (0 until one is read). */
  sampleRate = 0;
  /** Samples past this position (counted from the first audio frame) are the encoder's padding. */
  endSample = Infinity;
  /** Samples before this position are the encoder's and decoder's delay (the LAME tag's figure; mpg123 trims them). */
  startSample = 0;

  constructor(
    private readonly minFrames = 2 * MIN_WARMUP,
    /** Whole frames kept back after each piece but the last, and handed with it as `after`. */
    private readonly lookahead = 0,
  ) {}

  /**
   * Bytes in file order; a piece when enough whole frames have come (all that
   * is left when `final`), of at most `maxFrames` frames when asked (then
   * call again with no bytes for the rest).
   */
  push(bytes: Uint8Array, final: boolean, maxFrames = Infinity): Mp3Piece | undefined {
    if (bytes.length) {
      const joined = new Uint8Array(this.pending.length + bytes.length);
      joined.set(this.pending);
      joined.set(bytes, this.pending.length);
      this.pending = joined;
    }
    this.scan(final);
    let cutAt: number;
    let frames: number;
    let after = new Uint8Array(0);
    const last = final && this.starts.length <= maxFrames;
    if (last) {
      cutAt = this.pending.length;
      frames = this.starts.length;
    } else {
      // Up to the last frame found (its end may not have come yet) less the lookahead; never a piece before minFrames.
      frames = Math.min(this.starts.length - 1 - this.lookahead, maxFrames);
      if (frames < 1 || this.framesCut + frames < this.minFrames) return undefined;
      cutAt = this.starts[frames]!;
      after = this.pending.slice(cutAt, this.starts[frames + this.lookahead]);
    }
    if (cutAt === 0) return undefined;
    const body = this.pending.slice(0, cutAt);
    const bodyStarts = this.starts.slice(0, frames);
    const piece: Mp3Piece = {
      warmup: this.warmup(),
      body,
      after,
      firstFrame: this.framesCut,
      frames,
      samplesPerFrame: this.samplesPerFrame,
      final: last,
    };
    this.keepRecent(body, bodyStarts);
    this.framesCut += frames;
    this.pending = this.pending.slice(cutAt);
    this.starts = this.starts.slice(frames).map((start) => start - cutAt);
    this.scanAt -= cutAt;
    return piece;
  }

  /** Records frame starts: a header whose next frame's header follows where it says (garbage is stepped over). */
  private scan(final: boolean): void {
    const bytes = this.pending;
    while (this.scanAt + 4 <= bytes.length) {
      const at = this.scanAt;
      if (this.first && at === 0 && bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) {
        // An ID3v2 tag before the first frame: the decoder skips it; so does the scan.
        if (bytes.length < 10) return;
        this.scanAt = 10 + ((bytes[6]! << 21) | (bytes[7]! << 14) | (bytes[8]! << 7) | bytes[9]!);
        continue;
      }
      const header = mp3Header(bytes, at);
      if (!header) {
        this.scanAt++;
        continue;
      }
      const next = at + header.length;
      if (next + 4 > bytes.length && !final) return;
      if (next + 4 <= bytes.length && !mp3Header(bytes, next)) {
        this.scanAt++;
        continue;
      }
      if (this.first) {
        this.first = false;
        this.samplesPerFrame = header.samplesPerFrame;
        this.sampleRate = header.sampleRate;
        const info = infoFrame(bytes, at, header);
        if (info) {
          this.endSample = info.endSample;
          this.startSample = info.startSample;
          this.scanAt = next;
          continue;
        }
      }
      this.starts.push(at);
      this.scanAt = next;
    }
  }

  /** The frames just before the next piece: as many, modulo 16, as a decoder from the start would have run. */
  private warmup(): Uint8Array {
    if (this.framesCut === 0) return new Uint8Array(0);
    const count = MIN_WARMUP + (this.framesCut % MIN_WARMUP);
    const from = this.recentStarts[Math.max(0, this.recentStarts.length - count)] ?? 0;
    return this.recent.subarray(from);
  }

  private keepRecent(body: Uint8Array, bodyStarts: number[]): void {
    const keep = 2 * MIN_WARMUP;
    if (bodyStarts.length >= keep) {
      const from = bodyStarts[bodyStarts.length - keep]!;
      this.recent = body.slice(from);
      this.recentStarts = bodyStarts.slice(-keep).map((start) => start - from);
      return;
    }
    const joined = new Uint8Array(this.recent.length + body.length);
    joined.set(this.recent);
    joined.set(body, this.recent.length);
    const starts = [...this.recentStarts, ...bodyStarts.map((start) => start + this.recent.length)];
    const from = starts[Math.max(0, starts.length - keep)] ?? 0;
    this.recent = joined.slice(from);
    this.recentStarts = starts.slice(-keep).map((start) => start - from);
  }
}
