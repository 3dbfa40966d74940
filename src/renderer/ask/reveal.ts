import { useEffect, useRef } from 'react';
import type { TurnView } from './conversation.js';

/** True when the person asked their system for less motion: the page jumps instead of gliding. */
export function prefersReducedMotion(): boolean {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
}

/** Which parts of a turn have arrived: a new value is a new step to bring into sight. */
function turnStep(turn: TurnView): string {
  const parts = [turn.evidence, turn.partial, turn.answer, turn.error];
  return `${turn.questionId}:${parts.map((part) => (part ? 1 : 0)).join('')}`;
}

/**
 * Keeps the newest turn of a conversation in sight: each time it moves on
 * (a new question, its evidence, its answer, its error) its element scrolls
 * into view, as little as needed, gliding unless reduced motion is asked for.
 * The Questions screen grows downward; without this the answer arrived below
 * the fold (French walk, finding 5).
 */
export function useRevealNewest<E extends HTMLElement>(turn: TurnView | undefined) {
  const ref = useRef<E>(null);
  const step = turn && turnStep(turn);
  useEffect(() => {
    if (step === undefined) return;
    ref.current?.scrollIntoView({
      block: 'nearest',
      behavior: prefersReducedMotion() ? 'auto' : 'smooth',
    });
  }, [step]);
  return ref;
}
