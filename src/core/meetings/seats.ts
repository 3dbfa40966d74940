import {
  chooseChannels,
  seatSpeakerId,
  seatTurns,
  type ChoiceOptions,
  type LevelTrack,
  type Seat,
} from '../speakers/channels.js';
import { applyTurns } from '../speakers/turns.js';
import { GreffierError } from '../errors.js';
import { readNotes, replaceTurns } from './notes.js';
import type { Meetings } from './meetings.js';

/**
 * A meeting's microphone channels, kept beside its audio so the choice of
 * who had the floor can be made again (another seat plan, other thresholds)
 * without the channels themselves: the journal holds the mix whisper reads,
 * this blob one byte per channel per 50 ms frame (8 channels: 576 kB an
 * hour, where the channels as 16 kHz samples would cost 922 MB).
 */
const LEVELS_BLOB = 'channel-levels';
const MAGIC = 'GLV1';

export interface ChannelSpeakers {
  seats: Seat[];
  turns: number;
  /** Channels (1-based) that never spoke: a microphone off, muted or unplugged. */
  silentChannels: number[];
}

function encodeLevels(track: LevelTrack, seats: Seat[]): Buffer {
  const header = Buffer.from(
    JSON.stringify({ frameMs: track.frameMs, channels: track.channels, seats }),
  );
  const out = Buffer.alloc(8 + header.length + track.levels.length);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  out.set(track.levels, 8 + header.length);
  return out;
}

export async function readChannelLevels(
  meetings: Meetings,
  meetingId: string,
): Promise<{ track: LevelTrack; seats: Seat[] } | undefined> {
  const bytes = await meetings.vault.readMeetingBlob(meetingId, LEVELS_BLOB);
  if (!bytes) return undefined;
  if (bytes.toString('ascii', 0, 4) !== MAGIC) {
    throw new GreffierError(
      'channel-levels-damaged',
      `the channel levels of meeting ${meetingId} are not in a known format`,
      { hint: 'import the multi-channel recording again to measure them' },
    );
  }
  const length = bytes.readUInt32LE(4);
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + length)) as {
    frameMs: number;
    channels: number;
    seats: Seat[];
  };
  const levels = new Uint8Array(bytes.subarray(8 + length));
  return {
    track: { frameMs: header.frameMs, channels: header.channels, levels },
    seats: header.seats,
  };
}

/**
 * Who had the floor, from the channel levels: the turns go where the
 * clerk's keys go (the notes, applied to the transcript by the final pass),
 * each seat joins the roster under its name, channels with no seat under
 * "Canal N".
 */
async function applyChoice(
  meetings: Meetings,
  meetingId: string,
  track: LevelTrack,
  seats: Seat[],
  options: ChoiceOptions,
): Promise<ChannelSpeakers> {
  const { turns, silent } = chooseChannels(track, options);
  const speakerTurns = seatTurns(turns);
  const named = new Map(seats.map((s) => [s.channel, s.name]));
  const used = new Set(turns.map((t) => t.channel + 1));
  for (const seat of seats)
    await meetings.renameSpeaker(meetingId, seatSpeakerId(seat.channel), seat.name);
  for (const channel of used) {
    if (!named.has(channel)) {
      await meetings.renameSpeaker(meetingId, seatSpeakerId(channel), `Canal ${channel}`);
    }
  }
  await replaceTurns(meetings, meetingId, speakerTurns);
  return { seats, turns: speakerTurns.length, silentChannels: silent.map((c) => c + 1) };
}

/** Stores a recording's channel levels and the turns they give (import, end of a recording). */
export async function storeChannelSpeakers(
  meetings: Meetings,
  meetingId: string,
  track: LevelTrack,
  seats: Seat[],
  options: ChoiceOptions = {},
): Promise<ChannelSpeakers> {
  const bytes = encodeLevels(track, seats);
  try {
    await meetings.vault.writeMeetingBlob(meetingId, LEVELS_BLOB, bytes);
  } finally {
    bytes.fill(0);
  }
  return applyChoice(meetings, meetingId, track, seats, options);
}

/**
 * Makes the choice again from the stored levels (a corrected seat plan,
 * other thresholds) and re-applies the turns to the transcript if there is
 * one, cutting segments on token times where the floor changed.
 */
export async function redoChannelSpeakers(
  meetings: Meetings,
  meetingId: string,
  seats?: Seat[],
  options: ChoiceOptions = {},
): Promise<ChannelSpeakers> {
  const stored = await readChannelLevels(meetings, meetingId);
  if (!stored) {
    throw new GreffierError(
      'no-channel-levels',
      `meeting ${meetingId} was not recorded from several microphone channels`,
      { hint: 'import the multi-channel recording with a seat plan (--seats)' },
    );
  }
  const result = seats
    ? await storeChannelSpeakers(meetings, meetingId, stored.track, seats, options)
    : await applyChoice(meetings, meetingId, stored.track, stored.seats, options);
  const segments = await meetings.getSegments(meetingId);
  if (segments.length) {
    const { turns } = await readNotes(meetings, meetingId);
    // Numbered afresh: a segment cut in two cannot keep one id for both halves.
    const unnumbered = segments.map(({ id: _id, ...segment }) => segment);
    await meetings.setTranscript(meetingId, applyTurns(unnumbered, turns));
  }
  return result;
}
