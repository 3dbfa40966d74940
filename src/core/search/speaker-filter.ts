import { fold } from './text.js';

/**
 * "Qu'a dit Mme Martin sur la cantine ?": when a question names someone on a
 * meeting's roster, retrieval keeps that person's words only. A name counts
 * when the question holds it whole ("Claire Martin"), or its last word after
 * a civility ("Mme Martin", "M. Durand", "Mrs Martin"), so a surname that is
 * also a common word ("Mme Petit") is not matched on the word alone.
 */

const CIVILITIES = [
  'mme',
  'madame',
  'mlle',
  'mademoiselle',
  'm',
  'mr',
  'monsieur',
  'mrs',
  'ms',
  'miss',
  'dr',
  'docteur',
  'me',
  'maitre',
  'pr',
  'professeur',
];

function tokens(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

function containsRun(haystack: string[], needle: string[]): boolean {
  if (needle.length === 0) return false;
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((word, j) => haystack[i + j] === word)) return true;
  }
  return false;
}

/** The roster names a question speaks about (as written on the roster), none when it names no one. */
export function speakersNamedIn(question: string, roster: Iterable<string>): string[] {
  const words = tokens(question);
  const found = new Set<string>();
  for (const name of roster) {
    const parts = tokens(name);
    if (parts.length === 0) continue;
    // Without its civility the name must still be a name, not one common word.
    const bare = CIVILITIES.includes(parts[0]!) ? parts.slice(1) : parts;
    if (bare.length > 1 && containsRun(words, bare)) found.add(name);
    else if (parts.length > 1 && containsRun(words, parts)) found.add(name);
    else {
      const surname = bare[bare.length - 1];
      if (!surname || surname.length < 2) continue;
      for (let i = 1; i < words.length; i++) {
        if (words[i] === surname && CIVILITIES.includes(words[i - 1]!)) found.add(name);
      }
    }
  }
  return [...found];
}

/** Every speaker name on the rosters of the vault's meetings (for speakersNamedIn). */
export function rosterNames(meetings: Iterable<{ speakers: { name: string }[] }>): string[] {
  const names = new Set<string>();
  for (const meeting of meetings) for (const speaker of meeting.speakers) names.add(speaker.name);
  return [...names];
}

/**
 * The question's filter with the people it names, unless the asker already
 * chose speakers: what the question path calls before retrieval.
 */
export function withNamedSpeakers<F extends { speakers?: string[] }>(
  filter: F | undefined,
  question: string,
  roster: Iterable<string>,
): F | undefined {
  if (filter?.speakers?.length) return filter;
  const named = speakersNamedIn(question, roster);
  if (named.length === 0) return filter;
  return { ...(filter ?? ({} as F)), speakers: named };
}
