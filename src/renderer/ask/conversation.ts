import type { AnswerView, CitationView, GreffierApi } from '../../shared/api.js';
import { ApiCallError } from '../../shared/api.js';
import type { MessageKey } from '../i18n/translate.js';

/**
 * The Ask screen's conversation, kept for the app session rather than the
 * screen: an official who opens a cited meeting and comes back finds the
 * conversation where it was, and an answer that arrived meanwhile is there.
 * In memory only (this window's), never written anywhere; it goes when the
 * vault locks. The turns the model reads live in the app service
 * (core/answers/conversation.ts); this is what the screen shows of them.
 */

export interface EvidenceView {
  citation: CitationView;
  spoken: string;
}

/** One question of the conversation, as shown. */
export interface TurnView {
  questionId: string;
  question?: string;
  /** Typed, not heard: shown as « Vous avez demandé », not « Compris ». */
  typed?: boolean;
  evidence?: EvidenceView;
  partial: string;
  answer?: AnswerView;
  error?: unknown;
}

export interface ConversationState {
  conversationId: string;
  turns: TurnView[];
  /** The question being asked: its stage is shown, and only it is read aloud. */
  asked?: string | undefined;
  stage?: MessageKey | undefined;
}

export const newId = (prefix: string) =>
  `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

/**
 * Where the evidence goes once the answer is known. Spoken first because it
 * is a verified quote, it still only answers when the model found an answer:
 * above a « not found », it would read as the answer. Then it is shown after
 * it, as the nearest passage, not before it.
 */
export function evidencePlace(turn: TurnView): 'first' | 'nearest' | undefined {
  if (!turn.evidence) return undefined;
  return turn.answer && !turn.answer.found ? 'nearest' : 'first';
}

export class ConversationStore {
  private state: ConversationState = { conversationId: newId('c'), turns: [] };
  private readonly listeners = new Set<() => void>();

  constructor(api: GreffierApi) {
    const mine = (id: string) => id === this.state.asked;
    // An earlier question of this conversation still being answered when the next one began
    // (barge-in, or a question typed meanwhile) gets its evidence, answer or failure too: it
    // stayed unanswered on screen for good (fifth French walk, M4). The stage is the newest's.
    const shown = (id: string) => this.state.turns.some((turn) => turn.questionId === id);
    api.on('ask.progress', (event) => {
      if (!mine(event.questionId)) return;
      this.set({ stage: `ask.stage.${event.stage}` as MessageKey });
      if (event.question)
        this.update(event.questionId, (t) => ({ ...t, question: event.question }));
    });
    api.on('ask.heard', (event) => {
      if (mine(event.questionId))
        this.update(event.questionId, (t) => ({ ...t, question: event.text }));
    });
    api.on('ask.evidence', (event) => {
      if (shown(event.questionId))
        this.update(event.questionId, (t) => ({
          ...t,
          evidence: { citation: event.citation, spoken: event.spoken },
        }));
    });
    api.on('ask.token', (event) => {
      if (shown(event.questionId))
        this.update(event.questionId, (t) => ({ ...t, partial: t.partial + event.text }));
    });
    api.on('ask.answer', (event) => {
      if (!shown(event.questionId)) return;
      this.update(event.questionId, (t) => ({
        ...t,
        answer: event.answer,
        question: event.answer.question || t.question,
      }));
      if (mine(event.questionId)) this.set({ stage: undefined });
    });
    api.on('ask.failed', (event) => {
      if (!shown(event.questionId)) return;
      this.update(event.questionId, (t) => ({ ...t, error: new ApiCallError(event.error) }));
      if (mine(event.questionId)) this.set({ stage: undefined });
    });
    // Locked: the conversation goes with the vault's contents.
    api.on('vault.locked', () => this.reset());
  }

  readonly getState = (): ConversationState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(change: Partial<ConversationState>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
  }

  /** A new question on screen; its events are the ones followed from now on. */
  begin(question?: string): string {
    const questionId = newId('q');
    this.set({
      asked: questionId,
      turns: [
        ...this.state.turns,
        { questionId, partial: '', ...(question ? { question, typed: true } : {}) },
      ],
    });
    return questionId;
  }

  update(questionId: string, change: (turn: TurnView) => TurnView): void {
    this.set({
      turns: this.state.turns.map((t) => (t.questionId === questionId ? change(t) : t)),
    });
  }

  remove(questionId: string): void {
    this.set({ turns: this.state.turns.filter((t) => t.questionId !== questionId) });
  }

  setStage(stage: MessageKey | undefined): void {
    this.set({ stage });
  }

  /** A new, empty conversation; returns the id of the one it replaces. */
  reset(): string {
    const old = this.state.conversationId;
    this.set({ conversationId: newId('c'), turns: [], asked: undefined, stage: undefined });
    return old;
  }
}

const stores = new WeakMap<GreffierApi, ConversationStore>();

/** The one conversation of this window's app session (one per connection to the app). */
export function conversationFor(api: GreffierApi): ConversationStore {
  let store = stores.get(api);
  if (!store) {
    store = new ConversationStore(api);
    stores.set(api, store);
  }
  return store;
}
