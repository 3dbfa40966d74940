import type { MeetingSegment } from '../../shared/transcript.js';

/**
 * Lines shown before a meeting's transcript is stored: the live lines of a
 * recording, then the final pass's lines window by window. A window's lines
 * replace whatever was shown for its stretch (a line belongs to the stretch
 * its middle falls in), and everything stays in time order.
 */
export function mergeLiveLines(
  current: MeetingSegment[],
  segments: MeetingSegment[],
  replaces?: { fromMs: number; toMs: number },
): MeetingSegment[] {
  if (!replaces) return [...current, ...segments];
  const kept = current.filter((line) => {
    const middle = (line.startMs + line.endMs) / 2;
    return middle < replaces.fromMs || middle >= replaces.toMs;
  });
  return [...kept, ...segments].sort((a, b) => a.startMs - b.startMs);
}

/** A line the live transcriber wrote (the final pass's lines have window ids). */
export function isLiveLine(line: Pick<MeetingSegment, 'id'>): boolean {
  return line.id.startsWith('live-');
}
