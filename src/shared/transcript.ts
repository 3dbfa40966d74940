import { z } from 'zod';

/** Languages a meeting can be held in; 'auto' lets whisper decide. */
export const LanguageSchema = z.enum(['fr', 'en']);
export type Language = z.infer<typeof LanguageSchema>;
export const LanguageChoiceSchema = z.enum(['fr', 'en', 'auto']);
export type LanguageChoice = z.infer<typeof LanguageChoiceSchema>;

export const TokenSchema = z.object({
  text: z.string(),
  startMs: z.number(),
  endMs: z.number(),
  p: z.number().min(0).max(1),
});
export type Token = z.infer<typeof TokenSchema>;

/** One stretch of speech as whisper.cpp heard it (times relative to the audio start). */
export const TranscriptSegmentSchema = z.object({
  startMs: z.number().nonnegative(),
  endMs: z.number().nonnegative(),
  text: z.string(),
  tokens: z.array(TokenSchema).optional(),
  /** Mean token probability, 0..1. */
  confidence: z.number().min(0).max(1).optional(),
});
export type TranscriptSegment = z.infer<typeof TranscriptSegmentSchema>;

/** What `greffier transcribe --json` prints and what the ASR engine returns. */
export const TranscriptSchema = z.object({
  language: z.string(),
  durationMs: z.number().nonnegative(),
  segments: z.array(TranscriptSegmentSchema),
});
export type Transcript = z.infer<typeof TranscriptSchema>;

/**
 * A segment once it belongs to a meeting: it has a stable id (citations point
 * at it) and may carry a speaker chosen by the clerk.
 */
export const MeetingSegmentSchema = TranscriptSegmentSchema.extend({
  id: z.string().min(1),
  speakerId: z.string().optional(),
  /** True once a clerk has corrected the text by hand. */
  edited: z.boolean().optional(),
});
export type MeetingSegment = z.infer<typeof MeetingSegmentSchema>;

/** A line of the transcript, or a marker the clerk dropped (the M key) in its place. */
export type TranscriptItem<S> =
  { kind: 'segment'; segment: S } | { kind: 'marker'; atMs: number; label: string };

/**
 * The transcript with the clerk's markers in their place: each marker comes
 * before the first line that starts at or after it, the rest at the end.
 * One rule for the meeting page and every export.
 */
export function withMarkersInPlace<S extends { startMs: number }>(
  segments: S[],
  markers: { atMs: number; label: string }[],
): TranscriptItem<S>[] {
  const sorted = [...markers].sort((a, b) => a.atMs - b.atMs);
  const out: TranscriptItem<S>[] = [];
  let next = 0;
  for (const segment of segments) {
    while (next < sorted.length && sorted[next]!.atMs <= segment.startMs) {
      out.push({ kind: 'marker', ...sorted[next++]! });
    }
    out.push({ kind: 'segment', segment });
  }
  while (next < sorted.length) out.push({ kind: 'marker', ...sorted[next++]! });
  return out;
}
