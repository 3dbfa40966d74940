import { stemmer as stemEnglish } from '@orama/stemmers/english';
import { stemmer as stemFrench } from '@orama/stemmers/french';
import type { Language } from '../../shared/transcript.js';
import { fold, words } from '../text/language.js';

export { fold, words };

/**
 * Text analysis for the lexical index: the same words must meet whether the
 * clerk typed accents or not ("délibération" = "deliberation"), whatever the
 * inflection ("budgets" = "budget", "réunions" = "réunion").
 */

// Short lists on purpose: only words so common they carry no meaning in a
// meeting; anything domain-specific ("vote", "budget") must stay searchable.
const STOPWORDS = new Set(
  [
    // French
    'au',
    'aux',
    'avec',
    'ce',
    'ces',
    'cet',
    'cette',
    'dans',
    'de',
    'des',
    'du',
    'elle',
    'elles',
    'en',
    'est',
    'et',
    'eu',
    'il',
    'ils',
    'je',
    'la',
    'le',
    'les',
    'leur',
    'leurs',
    'lui',
    'ma',
    'mais',
    'me',
    'mes',
    'moi',
    'mon',
    'ne',
    'nos',
    'notre',
    'nous',
    'on',
    'ou',
    'par',
    'pas',
    'pour',
    'qu',
    'que',
    'qui',
    'sa',
    'se',
    'ses',
    'son',
    'sont',
    'sur',
    'ta',
    'te',
    'tes',
    'toi',
    'ton',
    'tu',
    'un',
    'une',
    'vos',
    'votre',
    'vous',
    'été',
    'être',
    'avoir',
    'ont',
    'était',
    'quel',
    'quelle',
    'quels',
    'quelles',
    'comment',
    'quand',
    'est-ce',
    'ai',
    'as',
    'avons',
    'avez',
    'sommes',
    'êtes',
    'fait',
    'ça',
    'cela',
    'y',
    'a',
    // English
    'the',
    'an',
    'and',
    'or',
    'of',
    'to',
    'in',
    'on',
    'at',
    'for',
    'by',
    'with',
    'is',
    'are',
    'was',
    'were',
    'be',
    'been',
    'it',
    'its',
    'this',
    'that',
    'these',
    'those',
    'what',
    'which',
    'who',
    'whom',
    'when',
    'where',
    'how',
    'did',
    'do',
    'does',
    'we',
    'you',
    'he',
    'she',
    'they',
    'i',
    'our',
    'your',
    'their',
    'his',
    'her',
    'from',
    'as',
    'about',
    'has',
    'have',
    'had',
  ].map(fold),
);

function stem(word: string, language: Language): string {
  // Snowball's French rules look at accents, so stem first and fold after.
  return fold(language === 'fr' ? stemFrench(word) : stemEnglish(word));
}

function keep(word: string): boolean {
  return word.length > 1 && !STOPWORDS.has(fold(word));
}

/** Index terms of a passage whose language is known. */
export function documentTerms(text: string, language: Language): string[] {
  return words(text)
    .filter(keep)
    .map((w) => stem(w, language));
}

/**
 * Terms of a query: the asker's language is a guess, so each word is stemmed
 * both ways and either form may match.
 */
export function queryTerms(text: string): string[] {
  const terms = new Set<string>();
  for (const word of words(text).filter(keep)) {
    terms.add(stem(word, 'fr'));
    terms.add(stem(word, 'en'));
  }
  return [...terms];
}
