import type { SearchFilter, SearchHit } from '../../shared/minutes.js';

/**
 * What the question lane has already read, so the next prompt begins with
 * it word for word and the model reads only what follows.
 */

/** A passage's identity across retrievals. */
export const hitKey = (hit: Pick<SearchHit, 'meetingId' | 'segmentId'>) =>
  `${hit.meetingId}/${hit.segmentId}`;

/**
 * The passages the question lane has already read (evaluated by the model),
 * in prompt order with the excerpts it read: from the preload made while the
 * key was held, or from the turn before. A prompt that starts with the same
 * passages, in the same order and the same words, is only read from where it
 * differs (node-llama-cpp keeps the sequence's common token prefix).
 */
export interface ReadPassages {
  order: string[];
  excerpts: Map<string, string>;
  /** The passages themselves, in that order: a follow-up keeps them as candidates. */
  hits: SearchHit[];
}

export function readPassages(prepared: {
  passages: { hit: SearchHit; text: string }[];
}): ReadPassages {
  return {
    order: prepared.passages.map((p) => hitKey(p.hit)),
    excerpts: new Map(prepared.passages.map((p) => [hitKey(p.hit), p.text])),
    hits: prepared.passages.map((p) => p.hit),
  };
}

/**
 * A follow-up's candidates: the passages the turn before read (within the
 * follow-up's meetings), then the newly retrieved ones. The conversation was
 * about them, and the model has read them already, so they cost no time.
 */
const MAX_CARRIED = 6;

export function carried(
  retrieved: SearchHit[],
  read: ReadPassages,
  filter?: SearchFilter,
): SearchHit[] {
  const meetings = filter?.meetingIds ? new Set(filter.meetingIds) : undefined;
  // Bounded, so a long conversation does not grow its prompt turn after turn;
  // the first ones are kept, as they begin what the model has read.
  const kept = read.hits
    .filter((h) => !meetings || meetings.has(h.meetingId))
    .slice(0, MAX_CARRIED);
  const keys = new Set(kept.map(hitKey));
  return [...kept, ...retrieved.filter((h) => !keys.has(hitKey(h)))];
}

/**
 * The passages already read come first, in the order they were read; the
 * others follow in their rank order. The model is told nothing about ranks
 * (every passage is a candidate), so only the reading time changes.
 */
export function readFirst(hits: SearchHit[], read: ReadPassages | undefined): SearchHit[] {
  if (!read) return hits;
  const position = new Map(read.order.map((key, i) => [key, i]));
  const known = hits
    .filter((h) => position.has(hitKey(h)))
    .sort((a, b) => position.get(hitKey(a))! - position.get(hitKey(b))!);
  return [...known, ...hits.filter((h) => !position.has(hitKey(h)))];
}
