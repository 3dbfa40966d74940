import { addTurn } from '../meetings/notes.js';
import { storeChannelSpeakers } from '../meetings/seats.js';
import { checkSeatPlan, LiveChannels, seatSpeakerId, type Seat } from '../speakers/channels.js';
import type { AppSession } from './session.js';

/**
 * Speakers from the microphones during a recording: the renderer sends each
 * chunk's per-channel levels beside the mixed audio; the loudest seat takes
 * the floor (the same chooser as an import), the turn goes into the notes at
 * once and the screen hears who speaks. On stop the level track is sealed
 * with the meeting (see meetings/seats.ts) so the choice can be made again.
 */
export class RecordingChannels {
  private readonly live: LiveChannels;
  private readonly named = new Set<string>();

  constructor(
    private readonly session: AppSession,
    private readonly meetingId: string,
    channels: number,
    private readonly seats: Seat[],
  ) {
    this.live = new LiveChannels(channels);
  }

  /** Refuses a seat plan the input cannot have (before anything is recorded). */
  static check(channels: number, seats: Seat[]): void {
    checkSeatPlan(seats, channels);
  }

  async push(levels: Uint8Array): Promise<void> {
    const meetings = this.session.vault.meetings;
    for (const turn of this.live.push(levels)) {
      const channel = turn.channel + 1;
      const speakerId = seatSpeakerId(channel);
      const name = this.seats.find((s) => s.channel === channel)?.name ?? `Canal ${channel}`;
      if (!this.named.has(speakerId)) {
        await meetings.renameSpeaker(this.meetingId, speakerId, name);
        this.named.add(speakerId);
      }
      await addTurn(meetings, this.meetingId, { atMs: turn.atMs, speakerId });
      this.session.dispatcher.emit('live.speaker', {
        meetingId: this.meetingId,
        speakerId,
        name,
        atMs: turn.atMs,
      });
    }
  }

  /** After the journal is closed: the track sealed, the turns made again from the whole of it. */
  async finish(): Promise<void> {
    await storeChannelSpeakers(
      this.session.vault.meetings,
      this.meetingId,
      this.live.track(),
      this.seats,
    );
  }
}
