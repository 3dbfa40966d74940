import { dateTime, clock } from '../format.js';
import { describeError } from '../i18n/errors.js';
import type { UiLocale } from '../../shared/api.js';
import type { Translate } from '../i18n/translate.js';
import type { TurnView } from './conversation.js';

/**
 * The conversation as the official keeps it, a Markdown file: when it was
 * held, each question with its answer and the citations it rests on. A
 * question left without an answer says so (interrupted, or why it failed)
 * instead of an empty section (French walks 4 and 5, L10).
 */
export function conversationMarkdown(
  turns: TurnView[],
  t: Translate,
  locale: UiLocale,
  savedAt: Date,
): string {
  const lines = [`# ${t('ask.file.title', { when: dateTime(savedAt.toISOString(), locale) })}`, ''];
  for (const turn of turns) {
    lines.push(`## ${turn.question ?? t('ask.file.unheard')}`, '');
    if (turn.answer) lines.push(turn.answer.found ? turn.answer.answer : t('ask.notFound'));
    else if (turn.error)
      lines.push(t('ask.file.failed', { message: describeError(turn.error, locale).message }));
    else lines.push(t('ask.file.noAnswer'));
    lines.push('');
    for (const c of turn.answer?.citations ?? []) {
      const speaker = c.speaker ? ` · ${c.speaker}` : '';
      lines.push(
        `- ${c.meetingTitle ?? c.meetingId} · ${clock(c.startMs)}${speaker} — ${t('ask.file.quote', { quote: c.quote })}`,
      );
    }
    if (turn.answer?.citations.length) lines.push('');
  }
  return lines.join('\n');
}
