import { ZxcvbnFactory, type ZxcvbnResult } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import * as fr from '@zxcvbn-ts/language-fr';
import type { UiLocale } from './api.js';

/**
 * The passphrase rule, one place for the CLI, the core and the UI (create
 * and change): at least 12 characters, and not guessable by a maintained
 * estimator (zxcvbn-ts) fed with the common passwords and the French and
 * English words, names and keyboard patterns. The words shown are the same
 * everywhere: they come from here.
 *
 * Why a score of 3: the estimator's 10^8 guesses; at scrypt's ≈ 0.4 s a
 * guess that is years of one core for a stolen vault.json, where the
 * refused "password1" falls in its first few hundred.
 */
export const MIN_PASSPHRASE_CHARS = 12;
export const MIN_PASSPHRASE_SCORE = 3;

export type PassphraseScore = 0 | 1 | 2 | 3 | 4;

export interface PassphraseVerdict {
  ok: boolean;
  /** 0 (guessed at once) to 4 (very strong), from the estimator. */
  score: PassphraseScore;
  /** Characters (Unicode code points), as the rule counts them. */
  length: number;
  /** Why it is refused, in the asked language; absent when ok. */
  problem?: string;
  /** True when it is refused for the machine policy's minimum length (IT's rule, not ours). */
  byPolicy?: boolean;
  /** What to do instead, in the asked language. */
  hint: string;
  /** The meter's word for the score, in the asked language. */
  label: string;
}

const WORDS = {
  fr: {
    // Non-breaking spaces where French typography wants them: a line never
    // breaks inside « », before « ; » or between a number and its word.
    tooShort: (n: number, min: number) =>
      `la phrase secrète est trop courte (${n}\u00a0caractère${n > 1 ? 's' : ''}\u202f; il en faut au moins\u00a0${min})`,
    byPolicy: 'minimum fixé par la politique de ce poste (service informatique)',
    guessable: (why: string | undefined) =>
      `la phrase secrète est trop facile à deviner${why ? `\u202f: ${lower(why)}` : ''}`,
    hint: 'choisissez plusieurs mots sans lien entre eux (quatre ou plus), par exemple «\u202fgirafe cadastre lundi perce-neige\u202f»',
    labels: ['très faible', 'faible', 'moyenne', 'bonne', 'forte'],
  },
  en: {
    tooShort: (n: number, min: number) =>
      `the passphrase is too short (${n} character${n > 1 ? 's' : ''}; at least ${min} are needed)`,
    byPolicy: "the minimum of this machine's policy, set by IT",
    guessable: (why: string | undefined) =>
      `the passphrase is too easy to guess${why ? `: ${lower(why)}` : ''}`,
    hint: 'choose several unrelated words (four or more), e.g. "giraffe ledger monday snowdrop"',
    labels: ['very weak', 'weak', 'fair', 'good', 'strong'],
  },
} as const;

function lower(text: string): string {
  const trimmed = text.trim().replace(/\.$/, '');
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1);
}

let estimator: ZxcvbnFactory | undefined;

/** Built on first use: the dictionaries take a moment to rank. */
function estimate(passphrase: string): ZxcvbnResult {
  estimator ??= new ZxcvbnFactory({
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...fr.dictionary, ...en.dictionary },
  });
  return estimator.check(passphrase);
}

/** The estimator speaks in keys; its own French and English words translate them. */
function warningText(key: string | null, locale: UiLocale): string | undefined {
  if (!key) return undefined;
  const table = (locale === 'fr' ? fr : en).translations.warnings as Record<string, string>;
  return table[key];
}

/**
 * Judges a new passphrase. `minLength` lets a machine policy raise the
 * minimum (never lower it).
 */
export function assessPassphrase(
  passphrase: string,
  options: { locale?: UiLocale; minLength?: number } = {},
): PassphraseVerdict {
  const locale = options.locale ?? 'en';
  const words = WORDS[locale];
  const min = Math.max(MIN_PASSPHRASE_CHARS, options.minLength ?? 0);
  const length = [...passphrase].length;
  const result = estimate(passphrase);
  const score = result.score as PassphraseScore;
  const base = { score, length, hint: words.hint, label: words.labels[score] };
  if (length < min) {
    // Past the rule's own minimum, the length asked is IT's: the refusal says so.
    const byPolicy = min > MIN_PASSPHRASE_CHARS;
    const problem = words.tooShort(length, min);
    return byPolicy
      ? { ...base, ok: false, byPolicy, problem: `${problem} — ${words.byPolicy}` }
      : { ...base, ok: false, problem };
  }
  if (score < MIN_PASSPHRASE_SCORE) {
    return {
      ...base,
      ok: false,
      problem: words.guessable(warningText(result.feedback.warning, locale)),
    };
  }
  return { ...base, ok: true };
}

/**
 * A refusal as one line for a screen: the reason, then the advice as its own
 * sentence (the meter once put both in brackets, one after the other).
 */
export function passphraseAdvice(verdict: PassphraseVerdict): string {
  if (!verdict.problem) return '';
  return `${verdict.problem}. ${verdict.hint.charAt(0).toUpperCase()}${verdict.hint.slice(1)}.`;
}
