import { appendAudit } from '../audit/index.js';
import { transcribePcm } from '../asr/index.js';
import type { ModelHost } from '../llm/host.js';
import type { OpenVault } from '../meetings/index.js';
import type { ModelSource } from '../models/source.js';
import { currentIndex, embedMissing, vaultSegmentLookup } from '../search/store.js';
import { rosterNames, withNamedSpeakers } from '../search/speaker-filter.js';
import { defaultThreads } from '../threads.js';
import { LanguageSchema, type LanguageChoice } from '../../shared/transcript.js';
import type { Answer, SearchFilter } from '../../shared/minutes.js';
import { answerQuestion, notFound } from './answer.js';

/** A question as an official asks it: typed, or spoken (16 kHz mono samples). */
export interface Question {
  text?: string;
  audio?: Float32Array | Int16Array;
  language: LanguageChoice;
  filter?: SearchFilter;
  /** Passages given to the model (default 6). */
  passages?: number;
}

export type QuestionStage = 'transcribing' | 'searching' | 'answering';

export interface QuestionContext {
  open: OpenVault;
  models: ModelSource;
  host: ModelHost;
  threads?: number;
  /** Context size for the language model (CLI --context). */
  contextSize?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onStage?: (stage: QuestionStage, question?: string) => void;
  /** The answer's text as the model writes it. */
  onToken?: (text: string) => void;
}

/**
 * The one question path, for the app and the CLI alike: a spoken question is
 * heard by whisper, then typed and spoken questions go the same way —
 * retrieval over the index (hybrid when an embedding model is installed),
 * an answer constrained to cite the passages, every citation checked
 * against the stored transcript. Silence is not an error: it gets the
 * not-found answer with an empty "heard" text, so both doors say the same.
 */
export async function askQuestion(question: Question, context: QuestionContext): Promise<Answer> {
  const threads = context.threads ?? defaultThreads();
  const forced = question.language === 'auto' ? undefined : question.language;
  let text = question.text?.replace(/\s+/g, ' ').trim() ?? '';
  let heard: string | undefined;
  let language = forced;
  if (question.audio) {
    context.onStage?.('transcribing');
    const transcript = await transcribePcm(question.audio, {
      model: await context.models.require('asr'),
      language: question.language,
      threads,
      ...(context.env ? { env: context.env } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    });
    heard = transcript.segments
      .map((segment) => segment.text)
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    text = heard;
    const spoken = LanguageSchema.safeParse(transcript.language);
    language ??= spoken.success ? spoken.data : undefined;
    if (!text) return notFound('', language ?? 'fr', 0, '');
  }
  // The question, never the answer: the answer can be asked again from the same record.
  await appendAudit(context.open.vault, {
    action: 'question.asked',
    details: { question: text, spoken: Boolean(question.audio) },
  });
  context.onStage?.('searching', text);
  const index = await currentIndex(context.open);
  const embeddingPath = await context.models.resolve('embedding');
  const embeddingModel = embeddingPath ? { path: embeddingPath, threads } : undefined;
  if (embeddingModel) {
    await embedMissing(
      context.open,
      index,
      (texts, signal) => context.host.embed(embeddingModel, texts, signal ? { signal } : {}),
      context.signal,
    );
  }
  const model = {
    path: await context.models.require('llm'),
    threads,
    ...(context.contextSize ? { contextSize: context.contextSize } : {}),
  };
  context.onStage?.('answering', text);
  // "Qu'a dit Mme Martin…": a person the question names narrows retrieval to their words.
  const filter = withNamedSpeakers(
    question.filter,
    text,
    rosterNames(context.open.meetings.list()),
  );
  const answer = await answerQuestion(text, {
    host: context.host,
    model,
    index,
    lookup: vaultSegmentLookup(context.open),
    ...(embeddingModel ? { embeddingModel } : {}),
    ...(filter ? { filter } : {}),
    ...(question.passages ? { passages: question.passages } : {}),
    ...(language ? { language } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
    ...(context.onToken ? { onAnswerText: context.onToken } : {}),
  });
  return heard === undefined ? answer : { ...answer, transcribedFrom: heard };
}
