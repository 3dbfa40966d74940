import type { Citation, SearchHit } from '../../shared/minutes.js';
import type { Language } from '../../shared/transcript.js';
import { documentTerms, queryTerms } from '../search/text.js';
import { verifyCitations, type SegmentLookup } from './verify.js';

/**
 * What is said first, while the model composes: the best passage retrieval
 * found, as a citation checked against the stored segment like any other,
 * and a sentence to speak (« Le 12 mars 2026, lors de « Conseil municipal »,
 * Mme la Maire a dit : … »). Nothing unverified is ever spoken.
 */
export interface Evidence {
  citation: Citation;
  meetingTitle?: string;
  meetingDate?: string;
  /** The sentence to speak and show. */
  spoken: string;
}

/** Longest quote spoken as evidence: a sentence, not a speech. */
const EVIDENCE_CHARS = 220;

/** The sentence of a passage sharing the most words with the question (the first on a tie). */
export function bestSentence(text: string, question: string, language: Language): string {
  const wanted = new Set(queryTerms(question));
  const sentences = text
    .split(/(?<=[.!?…])\s+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  let best = sentences[0] ?? text.trim();
  let bestScore = -1;
  for (const sentence of sentences) {
    const score = documentTerms(sentence, language).filter((t) => wanted.has(t)).length;
    if (score > bestScore) {
      best = sentence;
      bestScore = score;
    }
  }
  if (best.length <= EVIDENCE_CHARS) return best;
  const cut = best.lastIndexOf(' ', EVIDENCE_CHARS);
  return best.slice(0, cut > 0 ? cut : EVIDENCE_CHARS);
}

export function spokenDate(isoDate: string | undefined, language: Language): string | undefined {
  if (!isoDate) return undefined;
  const date = new Date(isoDate);
  if (Number.isNaN(date.getTime())) return undefined;
  return new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

export function evidenceSentence(
  parts: { quote: string; speaker?: string; meetingTitle?: string; meetingDate?: string },
  language: Language,
): string {
  const spoken = spokenDate(parts.meetingDate, language);
  // « Conseil municipal du 12 mars 2026 » already says when: the date is said once.
  const date = spoken && parts.meetingTitle?.includes(spoken) ? undefined : spoken;
  if (language === 'fr') {
    const when = date ? `Le ${date}` : '';
    const where = parts.meetingTitle ? `lors de «\u202f${parts.meetingTitle}\u202f»` : '';
    const who = parts.speaker ? `${parts.speaker} a dit` : 'il a été dit';
    const head = [when, where].filter(Boolean).join(', ');
    const lead = capitalised(head ? `${head}, ${who}` : who);
    // French typography: narrow no-break spaces before « : » and inside « », as on every screen.
    return `${lead}\u202f: «\u202f${parts.quote}\u202f»`;
  }
  const when = date ? `On ${date}` : '';
  const where = parts.meetingTitle ? `in “${parts.meetingTitle}”` : '';
  const who = parts.speaker ? `${parts.speaker} said` : 'it was said';
  const head = [when, where].filter(Boolean).join(', ');
  const lead = capitalised(head ? `${head}, ${who}` : who);
  return `${lead}: “${parts.quote}”`;
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The evidence for the best hit that passes verification (the first hit
 * whose sentence is in its stored segment), or undefined when none does.
 */
export async function findEvidence(
  hits: SearchHit[],
  question: string,
  language: Language,
  lookup: SegmentLookup,
): Promise<Evidence | undefined> {
  for (const hit of hits.slice(0, 3)) {
    if (hit.kind !== 'segment') continue;
    const quote = bestSentence(hit.text, question, language);
    const { citations } = await verifyCitations(
      [{ meetingId: hit.meetingId, segmentId: hit.segmentId, quote }],
      lookup,
    );
    const citation = citations[0];
    if (!citation) continue;
    const parts = {
      quote: citation.quote,
      ...(citation.speaker ? { speaker: citation.speaker } : {}),
      ...(hit.meetingTitle ? { meetingTitle: hit.meetingTitle } : {}),
      ...(hit.meetingDate ? { meetingDate: hit.meetingDate } : {}),
    };
    return {
      citation,
      ...(hit.meetingTitle ? { meetingTitle: hit.meetingTitle } : {}),
      ...(hit.meetingDate ? { meetingDate: hit.meetingDate } : {}),
      spoken: evidenceSentence(parts, language),
    };
  }
  return undefined;
}

/**
 * Cuts streamed text into sentences as they complete, so speech can start on
 * the first sentence while the model writes the next; flush() gives the rest.
 */
export function sentenceStream(onSentence: (sentence: string) => void): {
  push(delta: string): void;
  flush(): void;
} {
  let buffer = '';
  return {
    push(delta) {
      buffer += delta;
      for (;;) {
        const end = buffer.search(/[.!?…](?=\s)/u);
        if (end < 0) return;
        const sentence = buffer.slice(0, end + 1).trim();
        buffer = buffer.slice(end + 1);
        if (sentence) onSentence(sentence);
      }
    },
    flush() {
      const rest = buffer.trim();
      buffer = '';
      if (rest) onSentence(rest);
    },
  };
}
