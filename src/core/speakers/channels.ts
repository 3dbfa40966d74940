import { GreffierError } from '../errors.js';
import type { SpeakerTurn } from './turns.js';

/**
 * Speakers from microphone channels: a council chamber gives each seat its
 * own microphone, so whoever is speaking is the channel that is loudest. The
 * audio itself goes to whisper as one mix; only the levels decide who has the
 * floor. Levels are measured on short frames and kept (one byte per channel
 * per frame) so the choice can be made again later with another seat plan.
 */

/** One seat of the plan: a channel (1-based, as sound desks number them) and who sits there. */
export interface Seat {
  channel: number;
  name: string;
}

/** Frame length: short enough for a 250 ms turn accuracy, long enough for a stable level. */
export const LEVEL_FRAME_MS = 50;

/** Levels are stored as -2 × dBFS in one byte: 0.5 dB steps, down to -127.5 dBFS. */
const DB_STEP = 0.5;
const FLOOR_DB = -127.5;

/** Per-channel levels of a meeting, frame after frame (frame-major: frame × channels). */
export interface LevelTrack {
  frameMs: number;
  channels: number;
  /** levels[frame * channels + channel], encoded as in levelByte. */
  levels: Uint8Array;
}

export function levelByte(db: number): number {
  if (!(db > FLOOR_DB)) return 255;
  return Math.min(255, Math.max(0, Math.round(-db / DB_STEP)));
}

export function byteLevel(byte: number): number {
  return -byte * DB_STEP;
}

export function frameCount(track: LevelTrack): number {
  return Math.floor(track.levels.length / track.channels);
}

/**
 * Measures every channel's level per frame. One pass over the samples, no
 * allocation per frame: an hour of 8 channels is read once.
 */
export function measureLevels(
  channels: Float32Array[],
  sampleRate: number,
  frameMs = LEVEL_FRAME_MS,
): LevelTrack {
  const count = channels.length;
  const frameLength = Math.max(1, Math.round((sampleRate * frameMs) / 1000));
  const length = channels[0]?.length ?? 0;
  const frames = Math.ceil(length / frameLength);
  const levels = new Uint8Array(frames * count);
  for (let c = 0; c < count; c++) {
    const samples = channels[c]!;
    for (let f = 0; f < frames; f++) {
      const from = f * frameLength;
      const to = Math.min(length, from + frameLength);
      let sum = 0;
      for (let i = from; i < to; i++) {
        const s = samples[i]!;
        sum += s * s;
      }
      const rms = Math.sqrt(sum / Math.max(1, to - from));
      levels[f * count + c] = levelByte(rms > 0 ? 20 * Math.log10(rms) : -Infinity);
    }
  }
  return { frameMs, channels: count, levels };
}

/**
 * The same measure as `measureLevels`, fed piece by piece as a file is
 * decoded (an import streams; it never holds every channel of the file).
 */
export class LevelMeter {
  readonly #frameLength: number;
  readonly #sums: Float64Array;
  #filled = 0;
  readonly #bytes: number[] = [];

  constructor(
    readonly channels: number,
    sampleRate: number,
    readonly frameMs = LEVEL_FRAME_MS,
  ) {
    this.#frameLength = Math.max(1, Math.round((sampleRate * frameMs) / 1000));
    this.#sums = new Float64Array(channels);
  }

  push(piece: Float32Array[]): void {
    const length = piece[0]?.length ?? 0;
    let at = 0;
    while (at < length) {
      const take = Math.min(this.#frameLength - this.#filled, length - at);
      for (let c = 0; c < this.channels; c++) {
        const samples = piece[c]!;
        let sum = 0;
        for (let i = at; i < at + take; i++) sum += samples[i]! * samples[i]!;
        this.#sums[c]! += sum;
      }
      this.#filled += take;
      at += take;
      if (this.#filled === this.#frameLength) this.#frame();
    }
  }

  #frame(): void {
    for (let c = 0; c < this.channels; c++) {
      const rms = Math.sqrt(this.#sums[c]! / Math.max(1, this.#filled));
      this.#bytes.push(levelByte(rms > 0 ? 20 * Math.log10(rms) : -Infinity));
    }
    this.#sums.fill(0);
    this.#filled = 0;
  }

  /** The track so far, the last partial frame included (as `measureLevels` counts it). */
  finish(): LevelTrack {
    if (this.#filled > 0) this.#frame();
    return { frameMs: this.frameMs, channels: this.channels, levels: Uint8Array.from(this.#bytes) };
  }
}

export interface ChoiceOptions {
  /** A channel speaks when it is this far above its own noise floor… */
  gateDb?: number;
  /** …and above this absolute level (dBFS). */
  minDb?: number;
  /** Another channel takes the floor only when louder than the holder by this much. */
  hysteresisDb?: number;
  /** …for this many consecutive frames (the turn is dated from the first of them). */
  holdFrames?: number;
}

const DEFAULTS: Required<ChoiceOptions> = {
  gateDb: 12,
  minDb: -55,
  hysteresisDb: 6,
  holdFrames: 3,
};

/**
 * Chooses who has the floor, frame by frame, from channel levels. The same
 * class serves a finished recording and a live one (push one frame at a
 * time), so both give the same turns.
 *
 * - each channel's noise floor is tracked (falls at once, rises slowly), so a
 *   noisy seat does not speak all meeting;
 * - cross-talk: one voice heard by several microphones belongs to the
 *   loudest of them (its own seat), so only the loudest speaking channel is
 *   a candidate; the holder keeps the floor
 *   while it speaks and the candidate is not clearly louder (hysteresis);
 * - a candidate must lead for a few frames, and its turn is dated from the
 *   first of them, so a cough does not take the floor and a real turn is not
 *   late;
 * - in silence the floor stays with the last speaker (no turn is made).
 */
export class ChannelChooser {
  private readonly options: Required<ChoiceOptions>;
  private readonly floors: number[];
  private readonly peaks: number[];
  private holder = -1;
  private pending = -1;
  private pendingFrom = 0;
  private pendingRun = 0;
  private frame = 0;

  constructor(
    readonly channels: number,
    readonly frameMs = LEVEL_FRAME_MS,
    options: ChoiceOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.floors = new Array<number>(channels).fill(NaN);
    this.peaks = new Array<number>(channels).fill(-Infinity);
  }

  /** The channel (0-based) that has the floor now, or -1 before anyone spoke. */
  get current(): number {
    return this.holder;
  }

  /** Channels (0-based) that never rose above their floor: a microphone off or unplugged. */
  silentChannels(): number[] {
    const { gateDb, minDb } = this.options;
    const silent: number[] = [];
    for (let c = 0; c < this.channels; c++) {
      const floor = Number.isNaN(this.floors[c]!) ? FLOOR_DB : this.floors[c]!;
      if (!(this.peaks[c]! > minDb && this.peaks[c]! > floor + gateDb)) silent.push(c);
    }
    return silent;
  }

  /**
   * One frame of levels (dBFS, one per channel). Returns the new holder and
   * the time its turn starts when the floor changes, else undefined.
   */
  push(levels: ArrayLike<number>): { channel: number; atMs: number } | undefined {
    const { gateDb, minDb, hysteresisDb, holdFrames } = this.options;
    const at = this.frame++;
    let loudest = -1;
    let loudestDb = -Infinity;
    for (let c = 0; c < this.channels; c++) {
      const db = levels[c]!;
      const floor = this.floors[c]!;
      // Minimum tracking: follow the level down at once, up by 0.02 dB a frame (1 dB/2.5 s).
      this.floors[c] = Number.isNaN(floor) ? db : Math.min(db, floor + 0.02);
      if (db > this.peaks[c]!) this.peaks[c] = db;
      const speaking = db > minDb && db > this.floors[c]! + gateDb;
      if (speaking && db > loudestDb) {
        loudest = c;
        loudestDb = db;
      }
    }
    if (loudest < 0) {
      // Silence: nobody takes the floor, a candidate's run is broken.
      this.pending = -1;
      this.pendingRun = 0;
      return undefined;
    }
    if (loudest === this.holder) {
      this.pending = -1;
      this.pendingRun = 0;
      return undefined;
    }
    if (this.holder >= 0) {
      const holderDb = levels[this.holder]!;
      const holderSpeaks = holderDb > minDb && holderDb > this.floors[this.holder]! + gateDb;
      // The holder is still speaking and the candidate is not clearly louder:
      // two microphones hearing one voice, or two people at once. Keep the floor.
      if (holderSpeaks && loudestDb - holderDb < Math.max(hysteresisDb, 0)) {
        this.pending = -1;
        this.pendingRun = 0;
        return undefined;
      }
    }
    if (loudest !== this.pending) {
      this.pending = loudest;
      this.pendingFrom = at;
      this.pendingRun = 0;
    }
    this.pendingRun++;
    if (this.pendingRun < holdFrames && this.holder >= 0) return undefined;
    this.holder = loudest;
    this.pending = -1;
    this.pendingRun = 0;
    return { channel: loudest, atMs: this.pendingFrom * this.frameMs };
  }
}

/** The turns a level track gives, with the channels that never spoke. */
export function chooseChannels(
  track: LevelTrack,
  options: ChoiceOptions = {},
): { turns: { channel: number; atMs: number }[]; silent: number[] } {
  const chooser = new ChannelChooser(track.channels, track.frameMs, options);
  const frame = new Float64Array(track.channels);
  const turns: { channel: number; atMs: number }[] = [];
  const frames = frameCount(track);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < track.channels; c++) {
      frame[c] = byteLevel(track.levels[f * track.channels + c]!);
    }
    const turn = chooser.push(frame);
    if (turn) turns.push(turn);
  }
  return { turns, silent: chooser.silentChannels() };
}

/** The speaker id a seat gets in the meeting's roster (stable, so a redo gives the same ids). */
export function seatSpeakerId(channel: number): string {
  return `ch${channel}`;
}

/**
 * Checks a seat plan against the input: a mono recording has no seats, a
 * seat on a channel the input does not have is refused, and so is a channel
 * given twice. Says what is wrong in the clerk's words.
 */
export function checkSeatPlan(seats: Seat[], channelCount: number): void {
  if (channelCount < 2) {
    throw new GreffierError(
      'seats-mono',
      'the recording has a single channel, so speakers cannot be told apart by microphone',
      {
        hint: 'import the multi-channel recording from the sound desk, or drop the seat plan',
        exitCode: 2,
      },
    );
  }
  const seen = new Set<number>();
  for (const seat of seats) {
    if (!Number.isInteger(seat.channel) || seat.channel < 1 || seat.channel > channelCount) {
      throw new GreffierError(
        'seats-too-many',
        `the seat plan names channel ${seat.channel} (${seat.name}) but the recording has ${channelCount} channels`,
        { hint: `number the seats from 1 to ${channelCount}`, exitCode: 2 },
      );
    }
    if (seen.has(seat.channel)) {
      throw new GreffierError(
        'seats-duplicate',
        `the seat plan gives channel ${seat.channel} twice`,
        { hint: 'give each channel one name', exitCode: 2 },
      );
    }
    if (!seat.name.trim()) {
      throw new GreffierError('seats-bad', `channel ${seat.channel} has no name in the seat plan`, {
        hint: 'write the seat as 1=Mme Martin',
        exitCode: 2,
      });
    }
    seen.add(seat.channel);
  }
}

/**
 * Parses a seat plan as the CLI takes it: "1=Mme Martin,2=M. Durand", or one
 * "1=Mme Martin" per line (a file's contents).
 */
export function parseSeatPlan(text: string): Seat[] {
  const seats: Seat[] = [];
  for (const part of text.split(/[\n,;]/)) {
    const trimmed = part.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const match = /^(\d+)\s*[=:]\s*(.+)$/.exec(trimmed);
    if (!match) {
      throw new GreffierError('seats-bad', `"${trimmed}" is not a seat (channel=name)`, {
        hint: 'write the seat plan as 1=Mme Martin,2=M. Durand',
        exitCode: 2,
      });
    }
    seats.push({ channel: Number(match[1]), name: match[2]!.trim() });
  }
  if (seats.length === 0) {
    throw new GreffierError('seats-bad', 'the seat plan is empty', {
      hint: 'write the seat plan as 1=Mme Martin,2=M. Durand',
      exitCode: 2,
    });
  }
  return seats;
}

/**
 * Turns from channels to speakers: a turn on a channel with no seat goes to
 * "Channel N" so no speech is given to the wrong person.
 */
export function seatTurns(turns: { channel: number; atMs: number }[]): SpeakerTurn[] {
  return turns.map((t) => ({ atMs: t.atMs, speakerId: seatSpeakerId(t.channel + 1) }));
}

/**
 * A recording's channel levels as they arrive (bytes as levelByte gives
 * them, frame after frame): who has the floor now, and the whole track kept
 * for the journal when the recording stops.
 */
export class LiveChannels {
  private readonly chooser: ChannelChooser;
  private readonly parts: Uint8Array[] = [];
  private readonly frame: Float64Array;
  private carry = new Uint8Array(0);

  constructor(
    readonly channels: number,
    readonly frameMs = LEVEL_FRAME_MS,
  ) {
    this.chooser = new ChannelChooser(channels, frameMs);
    this.frame = new Float64Array(channels);
  }

  /** New frames of levels; the turns they make (0-based channels, meeting time). */
  push(bytes: Uint8Array): { channel: number; atMs: number }[] {
    const all = new Uint8Array(this.carry.length + bytes.length);
    all.set(this.carry);
    all.set(bytes, this.carry.length);
    const whole = all.length - (all.length % this.channels);
    this.carry = all.slice(whole);
    const frames = all.subarray(0, whole);
    this.parts.push(frames.slice());
    const turns: { channel: number; atMs: number }[] = [];
    for (let at = 0; at < frames.length; at += this.channels) {
      for (let c = 0; c < this.channels; c++) this.frame[c] = byteLevel(frames[at + c]!);
      const turn = this.chooser.push(this.frame);
      if (turn) turns.push(turn);
    }
    return turns;
  }

  track(): LevelTrack {
    const length = this.parts.reduce((n, p) => n + p.length, 0);
    const levels = new Uint8Array(length);
    let at = 0;
    for (const part of this.parts) {
      levels.set(part, at);
      at += part.length;
    }
    return { frameMs: this.frameMs, channels: this.channels, levels };
  }
}
