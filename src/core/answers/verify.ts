import type { Citation } from '../../shared/minutes.js';

/** A stored segment, as the vault holds it (the truth citations are checked against). */
export interface StoredSegment {
  text: string;
  startMs: number;
  endMs: number;
  speaker?: string;
}

/** Finds a segment in the vault; undefined when it does not exist (or no longer does). */
export type SegmentLookup = (
  meetingId: string,
  segmentId: string,
) => StoredSegment | undefined | Promise<StoredSegment | undefined>;

/** What the model claims: a segment and words it says are in it. */
export interface ClaimedCitation {
  meetingId: string;
  segmentId: string;
  quote: string;
}

/** Shorter quotes would "match" almost any segment and prove nothing. */
const MIN_QUOTE_CHARS = 4;

/**
 * Quotes are compared without case, accents of different composition, curly
 * apostrophes or doubled spaces, and without the punctuation a model may
 * add around them; the words themselves must be the segment's.
 */
export function normaliseQuote(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d\u00ab\u00bb]/g, '"')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^["'\s.…,;:-]+|["'\s.…,;:-]+$/g, '');
}

/**
 * Keeps the citations whose segment exists and whose quote is in that
 * segment's text; times and speaker come from the stored segment, never from
 * the model.
 */
export async function verifyCitations(
  claims: ClaimedCitation[],
  lookup: SegmentLookup,
): Promise<{ citations: Citation[]; dropped: number }> {
  const citations: Citation[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for (const claim of claims) {
    const segment = await lookup(claim.meetingId, claim.segmentId);
    const quote = normaliseQuote(claim.quote);
    if (
      !segment ||
      quote.length < MIN_QUOTE_CHARS ||
      !normaliseQuote(segment.text).includes(quote)
    ) {
      dropped++;
      continue;
    }
    const key = `${claim.meetingId}\u0000${claim.segmentId}\u0000${quote}`;
    if (seen.has(key)) continue;
    seen.add(key);
    citations.push({
      meetingId: claim.meetingId,
      segmentId: claim.segmentId,
      startMs: segment.startMs,
      endMs: segment.endMs,
      ...(segment.speaker ? { speaker: segment.speaker } : {}),
      quote: claim.quote.trim(),
    });
  }
  return { citations, dropped };
}
