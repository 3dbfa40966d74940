import type { Language } from '../../shared/transcript.js';

/**
 * Plain-text helpers every part of core may use (search, minutes, answers,
 * the pipeline): kept apart from search so that summarising a meeting does
 * not have to import the index to know its language.
 */

/** Lowercase without diacritics: "Délibération" → "deliberation". */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** Words of a text: letters and digits, split on apostrophes so "l'ordre" gives "ordre". */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

const FRENCH_MARKERS = new Set(
  [
    'le',
    'la',
    'les',
    'des',
    'du',
    'une',
    'est',
    'que',
    'qui',
    'quoi',
    'quel',
    'quelle',
    'quand',
    'pourquoi',
    'comment',
    'combien',
    'pour',
    'dans',
    'sur',
    'avec',
    'nous',
    'vous',
    'été',
    'a-t-il',
    'ont',
    'sont',
    'au',
    'aux',
    'et',
    'ou',
    'mais',
    'pas',
    'il',
    'elle',
  ].map(fold),
);
const ENGLISH_MARKERS = new Set([
  'the',
  'what',
  'who',
  'when',
  'why',
  'how',
  'which',
  'was',
  'were',
  'did',
  'does',
  'is',
  'are',
  'of',
  'to',
  'and',
  'in',
  'on',
  'for',
  'with',
  'about',
  'say',
  'said',
  'decided',
  'we',
  'they',
]);

/**
 * French or English, cheaply: function words and accents decide; ties go to
 * French, the product's first language.
 */
export function detectLanguage(text: string): Language {
  let fr = /[àâçéèêëîïôûùüÿœ]/i.test(text) ? 1 : 0;
  let en = 0;
  for (const word of words(text)) {
    const w = fold(word);
    if (FRENCH_MARKERS.has(w)) fr++;
    if (ENGLISH_MARKERS.has(w)) en++;
  }
  return en > fr ? 'en' : 'fr';
}
