import type { Token, TranscriptSegment } from '../../shared/transcript.js';

/** The clerk pressed a number key: from `atMs` on, this speaker has the floor. */
export interface SpeakerTurn {
  atMs: number;
  speakerId: string;
}

function sortedTurns(turns: SpeakerTurn[]): SpeakerTurn[] {
  return [...turns].sort((a, b) => a.atMs - b.atMs);
}

/** The speaker who has the floor at a moment: the last turn at or before it. */
export function speakerAtTime(sorted: SpeakerTurn[], atMs: number): string | undefined {
  let speaker: string | undefined;
  for (const turn of sorted) {
    if (turn.atMs <= atMs) speaker = turn.speakerId;
    else break;
  }
  return speaker;
}

/** Who spoke a whole segment: the last speaker marked before its middle. */
export function speakerAt(
  turns: SpeakerTurn[],
  segment: { startMs: number; endMs: number },
): string | undefined {
  return speakerAtTime(turns, (segment.startMs + segment.endMs) / 2);
}

/** Live lines: each takes the speaker who had the floor at its middle. */
export function withSpeakers<T extends { startMs: number; endMs: number }>(
  segments: T[],
  turns: SpeakerTurn[],
): (T & { speakerId?: string })[] {
  const sorted = sortedTurns(turns);
  return segments.map((segment) => {
    const speakerId = speakerAt(sorted, segment);
    return speakerId ? { ...segment, speakerId } : segment;
  });
}

type Splittable = TranscriptSegment & { speakerId?: string };

function fromTokens(
  tokens: Token[],
  bounds: { startMs: number; endMs: number },
  speakerId: string | undefined,
): Splittable {
  const confidence = tokens.reduce((sum, t) => sum + t.p, 0) / tokens.length;
  return {
    startMs: bounds.startMs,
    endMs: bounds.endMs,
    text: tokens
      .map((t) => t.text)
      .join('')
      .trim(),
    tokens,
    confidence,
    ...(speakerId ? { speakerId } : {}),
  };
}

/**
 * The final transcript with the clerk's speaker turns: a segment during which
 * the floor changed (whisper's windows run ~30 s, turns come every few
 * seconds) is cut at the turn, on the token whose middle follows it, so a
 * turn marked at 0:25 inside a 0:00–0:30 segment is not lost. Segments
 * without token timings keep the speaker at their middle.
 */
export function applyTurns<T extends Splittable>(
  segments: T[],
  turns: SpeakerTurn[],
): Splittable[] {
  const sorted = sortedTurns(turns);
  if (sorted.length === 0) return segments;
  const out: Splittable[] = [];
  for (const segment of segments) {
    const inside = sorted.filter((t) => t.atMs > segment.startMs && t.atMs < segment.endMs);
    const tokens = segment.tokens ?? [];
    if (inside.length === 0 || tokens.length < 2) {
      const speakerId = speakerAt(sorted, segment);
      const { speakerId: _old, ...rest } = segment;
      out.push(speakerId ? { ...rest, speakerId } : rest);
      continue;
    }
    const groups: { speakerId: string | undefined; tokens: Token[] }[] = [
      { speakerId: speakerAtTime(sorted, segment.startMs), tokens: [] },
    ];
    let next = 0;
    for (const token of tokens) {
      const middle = (token.startMs + token.endMs) / 2;
      while (next < inside.length && inside[next]!.atMs <= middle) {
        const current = groups[groups.length - 1]!;
        if (current.tokens.length === 0) current.speakerId = inside[next]!.speakerId;
        else groups.push({ speakerId: inside[next]!.speakerId, tokens: [] });
        next++;
      }
      groups[groups.length - 1]!.tokens.push(token);
    }
    const filled = groups.filter((g) => g.tokens.length > 0);
    filled.forEach((group, i) => {
      const startMs = i === 0 ? segment.startMs : group.tokens[0]!.startMs;
      const endMs =
        i === filled.length - 1 ? segment.endMs : group.tokens[group.tokens.length - 1]!.endMs;
      out.push(fromTokens(group.tokens, { startMs, endMs }, group.speakerId));
    });
  }
  return out;
}
