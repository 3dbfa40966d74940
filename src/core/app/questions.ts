import { askQuestion } from '../answers/ask.js';
import { int16FromBase64 } from '../audio/index.js';
import { GreffierError } from '../errors.js';
import type { LanguageChoice } from '../../shared/transcript.js';
import { toApiError, type Handlers } from './service.js';
import type { AppSession } from './session.js';

function newQuestionId(): string {
  return `q${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The Ask screen: the call returns a question id at once and the answer
 * streams back as events (stages, tokens, then the answer or the failure),
 * so every question ends on screen one way or the other.
 */
export function questionCalls(session: AppSession): Handlers {
  const answer = async (
    questionId: string,
    input: { text?: string; audio?: string; language: LanguageChoice },
  ): Promise<void> => {
    const { dispatcher } = session;
    try {
      const open = session.vault;
      const result = await askQuestion(
        {
          ...(input.text ? { text: input.text } : {}),
          ...(input.audio ? { audio: int16FromBase64(input.audio) } : {}),
          language: input.language,
        },
        {
          open,
          models: session.models(),
          host: session.modelHost(),
          threads: session.threads,
          env: session.env,
          onStage: (stage, question) =>
            dispatcher.emit('ask.progress', {
              questionId,
              stage,
              ...(question === undefined ? {} : { question }),
            }),
          onToken: (text) => dispatcher.emit('ask.token', { questionId, text }),
        },
      );
      const titles = new Map(open.meetings.list().map((meeting) => [meeting.id, meeting.title]));
      dispatcher.emit('ask.answer', {
        questionId,
        answer: {
          ...result,
          citations: result.citations.map((citation) => {
            const meetingTitle = titles.get(citation.meetingId);
            return { ...citation, ...(meetingTitle ? { meetingTitle } : {}) };
          }),
        },
      });
    } catch (error) {
      dispatcher.emit('ask.failed', { questionId, error: toApiError('ask.question', error) });
    }
  };

  return {
    'ask.question': async ({ text, audio, language, questionId: chosen }) => {
      // Locked is said now, as the call's error, not later as a failed answer.
      void session.vault;
      if (!text?.trim() && !audio) {
        throw new GreffierError('empty-question', 'The question is empty.', {
          hint: 'Type a question, or hold the speak button while you talk.',
        });
      }
      const questionId = chosen ?? newQuestionId();
      void answer(questionId, {
        ...(text ? { text } : {}),
        ...(audio ? { audio } : {}),
        language,
      });
      return { questionId };
    },
  };
}
