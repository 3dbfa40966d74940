import { z } from 'zod';
import type { AudioWindow } from '../asr/index.js';
import { MeetingSegmentSchema } from '../../shared/transcript.js';
import type { Meetings } from './meetings.js';

/**
 * The final pass's windows sealed in the vault (one meeting blob each) as
 * soon as their lines exist, so a pass restarted after a crash takes them
 * instead of transcribing them again — when they were made from the same
 * audio, the same way, from the same request (the same tail carried from the
 * window before, see final-pass.ts).
 */

const WINDOW_BLOB_VERSION = 1;
const StoredWindowSchema = z.object({
  version: z.literal(WINDOW_BLOB_VERSION),
  index: z.number().int().nonnegative(),
  from: z.number().int().nonnegative(),
  samples: z.number().int().nonnegative(),
  /** The model file and decoding it was made with: another one redoes the window. */
  engine: z.string(),
  language: z.string(),
  segments: z.array(MeetingSegmentSchema),
  /** The request began here (a tail carried from the window before), when before `from`. */
  carryFrom: z.number().int().nonnegative().optional(),
  /** Decoding stopped here: the audio from here to the window's end went to the next window. */
  carryTo: z.number().int().nonnegative().optional(),
});
export type StoredWindow = z.infer<typeof StoredWindowSchema>;

export function windowBlobName(index: number): string {
  return `final-w${String(index).padStart(5, '0')}`;
}

/** Seals a window's lines (the bytes written are wiped after). */
export async function sealWindow(
  meetings: Meetings,
  meetingId: string,
  window: Omit<StoredWindow, 'version'>,
): Promise<void> {
  const stored: StoredWindow = { version: WINDOW_BLOB_VERSION, ...window };
  const bytes = Buffer.from(JSON.stringify(stored), 'utf8');
  try {
    await meetings.vault.writeMeetingBlob(meetingId, windowBlobName(window.index), bytes);
  } finally {
    bytes.fill(0);
  }
}

/**
 * The window's lines from before a restart, if they were made from the same audio the same
 * way — from the same request too: `from` is where this window's request begins now.
 */
export async function sealedWindow(
  meetings: Meetings,
  meetingId: string,
  window: AudioWindow,
  from: number,
  engine: string,
): Promise<StoredWindow | undefined> {
  let bytes: Buffer | undefined;
  try {
    bytes = await meetings.vault.readMeetingBlob(meetingId, windowBlobName(window.index));
  } catch {
    return undefined; // damaged: redone
  }
  if (!bytes) return undefined;
  try {
    const parsed = StoredWindowSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    if (!parsed.success) return undefined;
    const saved = parsed.data;
    const end = window.from + window.samples.length;
    const same =
      saved.index === window.index &&
      saved.from === window.from &&
      saved.samples === window.samples.length &&
      saved.engine === engine &&
      (saved.carryFrom ?? saved.from) === from &&
      (saved.carryTo === undefined || (saved.carryTo > from && saved.carryTo < end));
    return same ? saved : undefined;
  } catch {
    return undefined;
  } finally {
    bytes.fill(0);
  }
}
