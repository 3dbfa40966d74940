import { describe, expect, it } from 'vitest';
import type { AnswerView, EventName, EventPayload, GreffierApi } from '../../src/shared/api.js';
import { ConversationStore, type TurnView } from '../../src/renderer/ask/conversation.js';
import { conversationMarkdown } from '../../src/renderer/ask/conversation-file.js';
import { translator } from '../../src/renderer/i18n/translate.js';

/**
 * What the fifth French walk found on the Questions screen, pinned down
 * without a browser (the screen itself: tests/e2e/browser.walk5.spec.ts).
 */

/** The app's events, emitted by hand: the store is what is tested. */
function fakeApi() {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const api = {
    call: () => Promise.reject(new Error('no calls here')),
    on(event: string, listener: (payload: unknown) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  } as unknown as GreffierApi;
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  return { api, emit };
}

const answer = (text: string): AnswerView => ({
  question: '',
  language: 'fr',
  answer: text,
  found: true,
  droppedCitations: 0,
  citations: [
    {
      meetingId: 'm1',
      meetingTitle: 'Conseil municipal du 12 mars 2026',
      segmentId: 's3',
      startMs: 21_000,
      endMs: 38_000,
      quote: 'le budget primitif de l’année',
    },
  ],
});

describe('a question asked while the previous one is still answered (M4)', () => {
  it('keeps the earlier turn: its answer, arriving later, is shown on it', () => {
    const { api, emit } = fakeApi();
    const store = new ConversationStore(api);
    const first = store.begin('Et le vote ?');
    emit('ask.evidence', {
      questionId: first,
      citation: answer('').citations[0]!,
      spoken: 'Le 12 mars 2026, M. Durand a dit : « … »',
    });
    // The official presses the key again (barge-in) before the answer came.
    const second = store.begin();
    store.setStage('ask.stage.listening');
    emit('ask.answer', { questionId: first, answer: answer('Adopté à 21 voix contre 6.') });
    const turns = store.getState().turns;
    expect(turns.find((t) => t.questionId === first)?.answer?.answer).toBe(
      'Adopté à 21 voix contre 6.',
    );
    // The question being asked now keeps its own stage.
    expect(store.getState().stage).toBe('ask.stage.listening');
    expect(store.getState().asked).toBe(second);
  });

  it('says on the earlier turn when it failed, without touching the current one', () => {
    const { api, emit } = fakeApi();
    const store = new ConversationStore(api);
    const first = store.begin('Et le vote ?');
    store.begin('Et la cantine ?');
    store.setStage('ask.stage.searching');
    emit('ask.failed', {
      questionId: first,
      error: { code: 'model-missing', message: 'No model.', hint: 'Import one.' },
    });
    expect(store.getState().turns[0]!.error).toBeTruthy();
    expect(store.getState().turns[1]!.error).toBeUndefined();
    expect(store.getState().stage).toBe('ask.stage.searching');
  });

  it('ignores events of questions no longer on screen (cleared)', () => {
    const { api, emit } = fakeApi();
    const store = new ConversationStore(api);
    const first = store.begin('Et le vote ?');
    store.reset();
    emit('ask.answer', { questionId: first, answer: answer('Adopté.') });
    expect(store.getState().turns).toEqual([]);
  });
});

describe('a saved conversation (L10)', () => {
  const fr = translator('fr');
  const savedAt = new Date('2026-11-30T14:05:00');
  const turns: TurnView[] = [
    {
      questionId: 'q1',
      question: 'Quel est le montant du budget primitif ?',
      partial: '',
      answer: answer('Quatre millions deux cent mille euros.'),
    },
    { questionId: 'q2', question: 'Et le vote ?', partial: '' },
  ];

  it('says when it was held', () => {
    const text = conversationMarkdown(turns, fr, 'fr', savedAt);
    expect(text.split('\n')[0]).toBe('# Conversation du 30 nov. 2026, 14:05');
  });

  it('says a question without an answer had none, instead of an empty section', () => {
    const text = conversationMarkdown(turns, fr, 'fr', savedAt);
    const section = text.slice(text.indexOf('## Et le vote ?'));
    expect(section).toContain('Pas de réponse\u202f: la question a été interrompue.');
  });

  it('keeps the answer and its citations', () => {
    const text = conversationMarkdown(turns, fr, 'fr', savedAt);
    expect(text).toContain('Quatre millions deux cent mille euros.');
    expect(text).toContain(
      '- Conseil municipal du 12 mars 2026 · 0:21 — «\u202fle budget primitif de l’année\u202f»',
    );
  });
});
