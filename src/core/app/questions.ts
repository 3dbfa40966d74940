import { askInConversation, type AskResult, type QuestionContext } from '../answers/ask.js';
import { HeldQuestionAsk } from '../answers/held-ask.js';
import { Conversations } from '../answers/conversation.js';
import { int16FromBase64 } from '../audio/index.js';
import { appendAudit } from '../audit/index.js';
import { GreffierError } from '../errors.js';
import { requireFeature } from '../policy.js';
import type { LanguageChoice } from '../../shared/transcript.js';
import { toApiError, type Handlers } from './service.js';
import type { AppSession } from './session.js';

function newQuestionId(): string {
  return `q${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Audio held for one push-to-talk question at most (a key held by mistake). */
const MAX_HELD_SECONDS = 60;

/**
 * The Ask screen: the call returns at once and the answer streams back as
 * events (stages, what was heard, the evidence, tokens and sentences, then
 * the answer or the failure), so every question ends on screen one way or
 * the other. Conversations live here, in memory, and go when the vault locks.
 */
/** Why an answer stops: another question came (see `answering` below). */
const BARGE_IN = new Error('barge-in');

const interrupted = () =>
  new GreffierError('question-interrupted', 'A new question interrupted this one.', {
    hint: 'Ask it again to hear its answer.',
  });

export function questionCalls(session: AppSession): Handlers {
  const conversations = new Conversations();
  const held = new Map<
    string,
    { ask: HeldQuestionAsk; conversationId?: string; samples: number }
  >();
  /**
   * Questions being answered. A new question is a barge-in: the official
   * wants that one answered now, so the others stop where they are (the
   * model was still writing their answers, and the new question would wait
   * behind them) and each says so on its own turn.
   */
  const answering = new Map<string, AbortController>();
  const interruptOthers = (questionId: string) => {
    for (const [id, controller] of answering) if (id !== questionId) controller.abort(BARGE_IN);
  };
  session.onTeardown(() => {
    conversations.clearAll();
    for (const { ask } of held.values()) ask.cancel();
    held.clear();
    for (const controller of answering.values()) controller.abort();
    answering.clear();
  });

  const context = (questionId: string, conversationId?: string): QuestionContext => {
    const { dispatcher } = session;
    interruptOthers(questionId);
    const controller = new AbortController();
    answering.set(questionId, controller);
    return {
      signal: controller.signal,
      open: session.vault,
      models: session.models(),
      host: session.modelHost(),
      threads: session.threads,
      env: session.env,
      turns: conversations.turns(conversationId),
      onStage: (stage, question) =>
        dispatcher.emit('ask.progress', {
          questionId,
          stage,
          ...(question === undefined ? {} : { question }),
        }),
      onHeard: (text) => dispatcher.emit('ask.heard', { questionId, text }),
      onEvidence: (evidence) =>
        dispatcher.emit('ask.evidence', {
          questionId,
          citation: {
            ...evidence.citation,
            ...(evidence.meetingTitle ? { meetingTitle: evidence.meetingTitle } : {}),
          },
          ...(evidence.meetingDate ? { meetingDate: evidence.meetingDate } : {}),
          spoken: evidence.spoken,
        }),
      onToken: (text) => dispatcher.emit('ask.token', { questionId, text }),
      onSentence: (text) => dispatcher.emit('ask.sentence', { questionId, text }),
    };
  };

  const finish = async (
    questionId: string,
    conversationId: string | undefined,
    work: () => Promise<AskResult>,
  ): Promise<void> => {
    const { dispatcher } = session;
    // Made with the question's context (inside `work` for a typed one).
    const interruptedNow = () => answering.get(questionId)?.signal.reason === BARGE_IN;
    try {
      // No meeting at all: « nothing found » would suggest the meetings were searched.
      if (session.vault.meetings.list().length === 0) {
        throw new GreffierError('no-meetings', 'There are no meetings in this vault yet.', {
          hint: 'Record or import a meeting first, then ask your question.',
        });
      }
      const { answer, turn } = await work();
      // Superseded while it was being answered: never said after the new question.
      if (interruptedNow()) throw interrupted();
      if (conversationId && answer.question) conversations.add(conversationId, turn);
      const titles = new Map(
        session.vault.meetings.list().map((meeting) => [meeting.id, meeting.title]),
      );
      dispatcher.emit('ask.answer', {
        questionId,
        answer: {
          ...answer,
          citations: answer.citations.map((citation) => {
            const meetingTitle = titles.get(citation.meetingId);
            return { ...citation, ...(meetingTitle ? { meetingTitle } : {}) };
          }),
        },
      });
    } catch (error) {
      const reason = interruptedNow() ? interrupted() : error;
      dispatcher.emit('ask.failed', { questionId, error: toApiError('ask.question', reason) });
    } finally {
      answering.delete(questionId);
    }
  };

  return {
    'ask.question': async ({ text, audio, language, questionId: chosen, conversationId }) => {
      // Locked is said now, as the call's error, not later as a failed answer.
      void session.vault;
      if (!text?.trim() && !audio) {
        throw new GreffierError('empty-question', 'The question is empty.', {
          hint: 'Type a question, or hold the speak button while you talk.',
        });
      }
      const questionId = chosen ?? newQuestionId();
      const input: { text?: string; audio?: Int16Array; language: LanguageChoice } = {
        ...(text ? { text } : {}),
        ...(audio ? { audio: int16FromBase64(audio) } : {}),
        language,
      };
      void finish(questionId, conversationId, () =>
        askInConversation(input, context(questionId, conversationId)),
      );
      return { questionId };
    },
    'ask.listen': async ({ questionId, language, conversationId }) => {
      void session.vault;
      held.get(questionId)?.ask.cancel();
      const ask = new HeldQuestionAsk(language, context(questionId, conversationId));
      held.set(questionId, { ask, samples: 0, ...(conversationId ? { conversationId } : {}) });
      return { ok: true };
    },
    'ask.listenAudio': async ({ questionId, pcm }) => {
      const entry = held.get(questionId);
      if (!entry) {
        throw new GreffierError('ask-not-listening', 'No question is being listened to.', {
          hint: 'Hold the speak key again and talk while it is down.',
        });
      }
      const samples = int16FromBase64(pcm);
      entry.samples += samples.length;
      if (entry.samples > MAX_HELD_SECONDS * 16_000) {
        throw new GreffierError('ask-too-long', 'The spoken question is too long.', {
          hint: `Release the key sooner: a question lasts at most ${MAX_HELD_SECONDS} seconds.`,
        });
      }
      entry.ask.push(samples);
      return { ok: true };
    },
    'ask.listenEnd': async ({ questionId, cancel }) => {
      const entry = held.get(questionId);
      held.delete(questionId);
      if (!entry) {
        throw new GreffierError('ask-not-listening', 'No question is being listened to.', {
          hint: 'Hold the speak key again and talk while it is down.',
        });
      }
      if (cancel) {
        entry.ask.cancel();
        answering.delete(questionId);
      } else void finish(questionId, entry.conversationId, () => entry.ask.finish());
      return { ok: true };
    },
    'ask.clearConversation': async ({ conversationId }) => {
      conversations.clear(conversationId);
      return { ok: true };
    },
    'ask.saveConversation': async ({ conversationId }) => {
      requireFeature('exports', session.env);
      const turns = conversations.turns(conversationId);
      const fileName = `conversation-${new Date().toISOString().slice(0, 10)}.md`;
      await appendAudit(session.vault.vault, {
        action: 'conversation.saved',
        details: {
          what: 'conversation',
          questions: turns.length,
          meetings: [...new Set(turns.flatMap((turn) => turn.meetingIds))],
          fileName,
        },
      });
      return { fileName };
    },
  };
}
