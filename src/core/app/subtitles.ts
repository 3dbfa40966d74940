import type { MeetingSegment } from '../../shared/transcript.js';

/** Subtitle norms most broadcasters use: short cues one can read at a glance. */
export const CUE_MAX_MS = 7000;
export const LINE_MAX_CHARS = 42;
export const CUE_MAX_LINES = 2;

export interface Cue {
  startMs: number;
  endMs: number;
  /** The cue's lines, each at most LINE_MAX_CHARS long. */
  lines: string[];
  /** The segment the cue comes from. */
  segmentId: string;
}

/** Ten characters a second: slower than anyone speaks in a meeting. */
const SLOWEST_MS_PER_CHAR = 100;
const WORD_BREAK = /[ \t\n\r\f\v]+/;

interface TimedWord {
  text: string;
  startMs: number;
  endMs: number;
}

/**
 * Word timings from whisper's token timestamps where the segment still holds
 * the words the tokens spell (not after a hand correction); otherwise each
 * word gets a share of the segment's time proportional to its characters.
 */
function timedWords(segment: MeetingSegment, prefix: string): TimedWord[] {
  // Split on plain spaces only: a no-break space (« Dupont : ») holds its words together.
  const words = `${prefix}${segment.text}`.split(WORD_BREAK).filter(Boolean).flatMap(splitLong);
  const fromTokens = prefix ? undefined : tokenWords(segment);
  if (fromTokens && fromTokens.map((w) => w.text).join(' ') === words.join(' ')) return fromTokens;
  const total = words.reduce((sum, word) => sum + word.length + 1, 0) || 1;
  // A long segment with few words is mostly silence: speech is taken to start with the
  // segment and go no slower than SLOWEST_MS_PER_CHAR, so its words are not spread thin.
  const span = Math.min(Math.max(0, segment.endMs - segment.startMs), total * SLOWEST_MS_PER_CHAR);
  let before = 0;
  return words.map((text) => {
    const startMs = segment.startMs + (span * before) / total;
    before += text.length + 1;
    return { text, startMs, endMs: segment.startMs + (span * before) / total };
  });
}

/** Whisper's tokens carry a leading space where a word starts. */
function tokenWords(segment: MeetingSegment): TimedWord[] | undefined {
  const tokens = segment.tokens;
  if (!tokens?.length || segment.edited) return undefined;
  const inside = (ms: number) => ms >= segment.startMs - 500 && ms <= segment.endMs + 500;
  if (!tokens.every((t) => inside(t.startMs) && inside(t.endMs))) return undefined;
  const words: TimedWord[] = [];
  for (const token of tokens) {
    const last = words.at(-1);
    if (!last || /^\s/.test(token.text)) {
      const text = token.text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');
      if (text) words.push({ text, startMs: token.startMs, endMs: token.endMs });
    } else {
      last.text += token.text;
      last.endMs = token.endMs;
    }
  }
  return words.flatMap((word) => splitLong(word.text).map((text) => ({ ...word, text })));
}

/** A "word" longer than a line (a URL, a number run) is cut to fit, never overflows. */
function splitLong(word: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < word.length; i += LINE_MAX_CHARS)
    parts.push(word.slice(i, i + LINE_MAX_CHARS));
  return parts;
}

/** Greedy wrap on word boundaries; undefined when the words need more than the lines allowed. */
export function wrapCue(words: string[]): string[] | undefined {
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= LINE_MAX_CHARS) {
      lines[lines.length - 1] = `${last} ${word}`;
    } else {
      lines.push(word);
      if (lines.length > CUE_MAX_LINES) return undefined;
    }
  }
  return lines;
}

/**
 * A meeting's transcript as subtitle cues of at most 7 s and two lines of 42
 * characters, cut between words (after a sentence's end where one falls).
 * `prefix` gives the text that opens each segment's first cue (the speaker).
 */
export function subtitleCues(
  segments: MeetingSegment[],
  prefix: (segment: MeetingSegment) => string = () => '',
): Cue[] {
  const cues: Cue[] = [];
  for (const segment of segments) {
    const words = timedWords(segment, prefix(segment));
    let start = 0;
    while (start < words.length) {
      let end = start + 1;
      while (end < words.length) {
        const candidate = words.slice(start, end + 1);
        if (candidate.at(-1)!.endMs - candidate[0]!.startMs > CUE_MAX_MS) break;
        if (!wrapCue(candidate.map((w) => w.text))) break;
        // A sentence that ends with room to spare ends the cue too.
        if (/[.?!…]$/.test(words[end - 1]!.text) && end - start >= 4) break;
        end++;
      }
      // Cut after a comma or a sentence near the end rather than leave a stray word or two.
      if (end < words.length) {
        for (let k = end - 1; k > start && k - start >= (end - start) * 0.6; k--) {
          if (/[,;:.?!…]$/.test(words[k - 1]!.text)) {
            end = k;
            break;
          }
        }
      }
      const chunk = words.slice(start, end);
      const startMs = Math.round(chunk[0]!.startMs);
      const endMs = Math.round(
        Math.min(end < words.length ? words[end]!.startMs : segment.endMs, startMs + CUE_MAX_MS),
      );
      cues.push({
        startMs,
        endMs: Math.max(endMs, startMs),
        lines: wrapCue(chunk.map((w) => w.text)) ?? [chunk.map((w) => w.text).join(' ')],
        segmentId: segment.id,
      });
      start = end;
    }
  }
  return cues;
}
