import type { SpeakerTurn } from '../speakers/turns.js';
import type { Meetings } from './meetings.js';

/** A moment the clerk flagged during the recording (the M key). */
export interface Marker {
  atMs: number;
  label: string;
}

/**
 * What the clerk noted while recording, beside the audio: speaker turns
 * (number keys) and markers. Kept in the meeting's own sealed blob, so
 * deleting the meeting shreds them with it.
 */
export interface MeetingNotes {
  markers: Marker[];
  turns: SpeakerTurn[];
}

const NOTES_BLOB = 'app-notes';

export async function readNotes(meetings: Meetings, meetingId: string): Promise<MeetingNotes> {
  const bytes = await meetings.vault.readMeetingBlob(meetingId, NOTES_BLOB);
  if (!bytes) return { markers: [], turns: [] };
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as Partial<MeetingNotes>;
    return { markers: parsed.markers ?? [], turns: parsed.turns ?? [] };
  } finally {
    bytes.fill(0);
  }
}

async function saveNotes(meetings: Meetings, meetingId: string, notes: MeetingNotes) {
  const bytes = Buffer.from(JSON.stringify(notes));
  try {
    await meetings.vault.writeMeetingBlob(meetingId, NOTES_BLOB, bytes);
  } finally {
    bytes.fill(0);
  }
}

export async function addMarker(meetings: Meetings, meetingId: string, marker: Marker) {
  const notes = await readNotes(meetings, meetingId);
  notes.markers.push(marker);
  notes.markers.sort((a, b) => a.atMs - b.atMs);
  await saveNotes(meetings, meetingId, notes);
}

export async function addTurn(meetings: Meetings, meetingId: string, turn: SpeakerTurn) {
  const notes = await readNotes(meetings, meetingId);
  notes.turns.push(turn);
  notes.turns.sort((a, b) => a.atMs - b.atMs);
  await saveNotes(meetings, meetingId, notes);
}

/** Speaker turns found by the machine (microphone channels, voices) replace the stored ones. */
export async function replaceTurns(meetings: Meetings, meetingId: string, turns: SpeakerTurn[]) {
  const notes = await readNotes(meetings, meetingId);
  notes.turns = [...turns].sort((a, b) => a.atMs - b.atMs);
  await saveNotes(meetings, meetingId, notes);
}
