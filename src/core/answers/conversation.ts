import type { SearchFilter } from '../../shared/minutes.js';
import type { Language } from '../../shared/transcript.js';
import type { ReadPassages } from './read-passages.js';

/**
 * A conversation: the questions an official asked in a row, so « et sur la
 * piscine ? » or « qui l'a proposé ? » are understood from the turn before.
 * Kept in memory only (the app's session holds it) unless the official
 * saves it.
 */

export interface Turn {
  question: string;
  answer: string;
  found: boolean;
  language: Language;
  /** The meetings the turn was about: its citations' meetings, else those of its passages. */
  meetingIds: string[];
  /** The passages the model read for it: a follow-up on them is read only from where it differs. */
  read?: ReadPassages;
}

/** Words that point back to an earlier turn (folded: no case, no accents). */
const BACK_REFERENCE =
  /\b(?:l'a|l'ont|l'avait|lui|leur|il|elle|ils|elles|cela|ca|celui-ci|celle-ci|it|they|them|he|she|him|her)\b/;
const SHORT_WORDS = 6;

function folded(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\u2019']/g, "'")
    .trim();
}

/**
 * Whether a question leans on the turn before: it starts with « et », « mais
 * », "and", "what about", or is short and names something by a pronoun.
 */
export function isFollowUp(question: string): boolean {
  const text = folded(question).replace(/[?!.…«»"]/g, ' ');
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length === 0) return false;
  if (/^(?:et|mais|and|but|what about|how about)\b/.test(text)) return true;
  return words.length <= SHORT_WORDS && BACK_REFERENCE.test(text);
}

export interface FollowUpQuery {
  /** What retrieval searches: the question first, the earlier one after it. */
  text: string;
  /** The earlier turn's meetings, when it was a follow-up. */
  filter?: SearchFilter;
  followUp: boolean;
}

/**
 * What retrieval looks for. A follow-up keeps to the meetings the last turn
 * was about and borrows its words (the new question twice, so its own words
 * weigh more than the borrowed ones); a fresh question stands alone.
 */
export function followUpQuery(question: string, turns: readonly Turn[]): FollowUpQuery {
  const last = turns.at(-1);
  if (!last || !isFollowUp(question)) return { text: question, followUp: false };
  return {
    text: `${question} ${question} ${last.question}`,
    ...(last.meetingIds.length > 0 ? { filter: { meetingIds: [...last.meetingIds] } } : {}),
    followUp: true,
  };
}

/** The earlier turns as the model reads them: short, quoted as data, last ones only. */
export function previousTurnsLine(
  turns: readonly Turn[],
  keep = 2,
): Array<{ q: string; a: string }> {
  return turns.slice(-keep).map((t) => ({ q: t.question, a: t.answer.slice(0, 200) }));
}

/** Conversations by id, in memory; the app session owns one of these. */
export class Conversations {
  private readonly byId = new Map<string, Turn[]>();
  /** Many officials, few turns each: a bound so a session left open does not grow forever. */
  private static readonly MAX_TURNS = 20;

  turns(id: string | undefined): Turn[] {
    return id ? [...(this.byId.get(id) ?? [])] : [];
  }

  add(id: string, turn: Turn): void {
    const turns = [...(this.byId.get(id) ?? []), turn].slice(-Conversations.MAX_TURNS);
    this.byId.set(id, turns);
  }

  clear(id: string): void {
    this.byId.delete(id);
  }

  clearAll(): void {
    this.byId.clear();
  }
}
