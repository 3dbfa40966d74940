import { useEffect, useRef } from 'react';
import type { TurnView } from './conversation.js';

/** True when the person asked their system for less motion: the page jumps instead of gliding. */
export function prefersReducedMotion(): boolean {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
}

/**
 * Which parts of a turn have arrived: a new value is a new step to bring into
 * sight. The stage and the words heard so far count too: while the key is held
 * they are all the official sees of the question (fifth French walk, H2).
 */
export function turnStep(turn: TurnView, stage?: string): string {
  const parts = [turn.evidence, turn.partial, turn.answer, turn.error];
  const heard = turn.question?.length ?? 0;
  return `${turn.questionId}:${parts.map((part) => (part ? 1 : 0)).join('')}:${heard}:${stage ?? ''}`;
}

/**
 * Keeps the newest turn of a conversation in sight: each time it moves on
 * (a new question, its evidence, its answer, its error) its element scrolls
 * into view, as little as needed, gliding unless reduced motion is asked for.
 * The Questions screen grows downward; without this the answer arrived below
 * the fold (French walk, finding 5).
 */
export function useRevealNewest<E extends HTMLElement>(turn: TurnView | undefined, stage?: string) {
  const ref = useRef<E>(null);
  const step = turn && turnStep(turn, stage);
  useEffect(() => {
    if (step === undefined) return;
    ref.current?.scrollIntoView({
      block: 'nearest',
      behavior: prefersReducedMotion() ? 'auto' : 'smooth',
    });
  }, [step]);
  return ref;
}
