import { GreffierError } from '../errors.js';
import { outputTokenBudget, type Limits } from './minutes-output.js';

/**
 * How a model's context is shared out when writing minutes: the instructions,
 * a chunk of transcript, the notes kept for the final merge, and the replies.
 */

/**
 * Tokens the chat template wraps around system and user turns; measured
 * on Llama-3/ChatML/Mistral templates, all well under this.
 */
export const CHAT_WRAPPER_TOKENS = 48;

export interface MinutesBudget {
  contextSize: number;
  /** Instructions around the data, at their longest. */
  promptTokens: number;
  /** Tokens of transcript per chunk of notes. */
  chunkTokens: number;
  /** Notes are folded together once they exceed this. */
  notesTokens: number;
  notesMaxTokens: number;
  finalMaxTokens: number;
}

/**
 * Sizes from the model's context. A chunk takes a quarter of it, so the
 * transcript left to read after stop (at most one chunk) stays short; the
 * notes kept for the final merge take another quarter at most.
 */
export function minutesBudget(
  contextSize: number,
  promptTokens: number,
  limits: Limits,
  speakers: number,
): MinutesBudget {
  const notesMaxTokens = outputTokenBudget(limits, speakers, false);
  const finalMaxTokens = outputTokenBudget(limits, speakers, true);
  const room = contextSize - promptTokens - CHAT_WRAPPER_TOKENS;
  const chunkTokens = Math.min(Math.floor(contextSize / 4), room - notesMaxTokens);
  // Notes pile up to this, then are folded into one: the fold reads the pile
  // plus the note that tipped it over, and writes one note.
  const notesTokens = Math.min(Math.floor(contextSize / 4), room - 2 * notesMaxTokens);
  const pile = Math.max(notesTokens, notesMaxTokens);
  const fits =
    chunkTokens >= 64 &&
    pile + 2 * notesMaxTokens <= room &&
    // the final merge reads the folded notes (the tail becomes notes first if it does not fit)
    pile + finalMaxTokens <= room;
  if (!fits) {
    const needed = contextFor(promptTokens, limits);
    throw new GreffierError(
      'minutes-context',
      `a ${contextSize}-token context is too small to write minutes with this template`,
      {
        hint: `use a model or context of at least ${needed} tokens, or a template with lower limits`,
      },
    );
  }
  return { contextSize, promptTokens, chunkTokens, notesTokens, notesMaxTokens, finalMaxTokens };
}

/**
 * The budget for a context, shortening the template's lists step by step
 * (each to about two thirds, never below one) when the context is too small
 * for them; the error stands only when even one item of each does not fit.
 */
export function fitBudget(
  contextSize: number,
  promptTokens: number,
  limits: Limits,
): { budget: MinutesBudget; fitted: Limits } {
  let fitted = limits;
  for (;;) {
    try {
      return {
        budget: minutesBudget(contextSize, promptTokens, fitted, fitted.interventions),
        fitted,
      };
    } catch (error) {
      const smaller = Object.fromEntries(
        Object.entries(fitted).map(([key, value]) => [
          key,
          Math.max(1, Math.floor((value * 2) / 3)),
        ]),
      ) as Limits;
      if (Object.entries(smaller).every(([key, value]) => fitted[key as keyof Limits] === value)) {
        throw error;
      }
      fitted = smaller;
    }
  }
}

/** The smallest context (a multiple of 1024, at least 4096) in which minutesBudget fits. */
export function contextFor(promptTokens: number, limits: Limits): number {
  const notesMax = outputTokenBudget(limits, limits.interventions, false);
  const finalMax = outputTokenBudget(limits, limits.interventions, true);
  const fixed = promptTokens + CHAT_WRAPPER_TOKENS;
  const needed = Math.max(
    ((fixed + 2 * notesMax) * 4) / 3,
    ((fixed + finalMax) * 4) / 3,
    fixed + 3 * notesMax,
    fixed + notesMax + finalMax,
  );
  return Math.max(4096, Math.ceil(needed / 1024) * 1024);
}
