import { appendAudit } from '../audit/index.js';
import { PREVIEW_DECODING, transcribePcm, utteranceTokens } from '../asr/index.js';
import { SAMPLE_RATE } from '../audio/index.js';
import type { ModelHost } from '../llm/host.js';
import type { ModelRef } from '../llm/protocol.js';
import type { OpenVault } from '../meetings/index.js';
import type { ModelSource } from '../models/source.js';
import type { SearchIndex } from '../search/index.js';
import { currentIndex, embedMissing, vaultSegmentLookup } from '../search/store.js';
import { rosterNames, speakersNamedIn } from '../search/speaker-filter.js';
import { detectLanguage } from '../text/language.js';
import { defaultThreads } from '../threads.js';
import { LanguageSchema, type Language, type LanguageChoice } from '../../shared/transcript.js';
import type { Answer, SearchFilter, SearchHit } from '../../shared/minutes.js';
import {
  composeAnswer,
  notFound,
  prepareAnswer,
  retrievePassages,
  type PrepareOptions,
  type PreparedAnswer,
} from './answer.js';
import { readPassages, type ReadPassages } from './read-passages.js';
import { followUpQuery, previousTurnsLine, type Turn } from './conversation.js';
import { findEvidence, sentenceStream, type Evidence } from './evidence.js';
import {
  bothFilters,
  resolveReferences,
  type DatedMeeting,
  type SpeakerReferences,
} from './references.js';
import type { SegmentLookup } from './verify.js';

/** A question as an official asks it: typed, or spoken (16 kHz mono samples). */
export interface Question {
  text?: string;
  audio?: Float32Array | Int16Array;
  language: LanguageChoice;
  filter?: SearchFilter;
  /** Passages given to the model (default 6 typed, 3 spoken). */
  passages?: number;
}

export type QuestionStage = 'listening' | 'transcribing' | 'searching' | 'answering';

/** Where the question path finds its data: the vault, or (bench, tests) given directly. */
export interface QuestionSources {
  index: SearchIndex;
  lookup: SegmentLookup;
  meetings: DatedMeeting[];
  model: ModelRef;
  embeddingModel?: ModelRef;
  asrModel?: string;
}

export interface QuestionContext {
  /** The vault the app or the CLI opened; or `sources` for a bench or a test. */
  open?: OpenVault;
  models?: ModelSource;
  sources?: () => Promise<QuestionSources>;
  host: ModelHost;
  threads?: number;
  /** Context size for the language model (CLI --context). */
  contextSize?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Earlier turns of this conversation, oldest first. */
  turns?: readonly Turn[];
  /** Speaker references (« qu'a dit Mme Martin »), from the speaker filter when present. */
  speakers?: SpeakerReferences;
  /** Today, for « en mars » (tests fix it). */
  now?: Date;
  onStage?: (stage: QuestionStage, question?: string) => void;
  /** The question so far, while the key is held. */
  onHeard?: (text: string) => void;
  /** The best verified passage, before the model writes. */
  onEvidence?: (evidence: Evidence) => void;
  /** The passages the model is given, before it reads them (a turn's `read`, for a bench that stops early). */
  onPassages?: (read: ReadPassages) => void;
  /** The answer's text as the model writes it. */
  onToken?: (text: string) => void;
  /** Each finished sentence of the answer, for speech. */
  onSentence?: (sentence: string) => void;
}

export interface AskResult {
  answer: Answer;
  /** The turn this question adds to its conversation. */
  turn: Turn;
  evidence?: Evidence;
  /** The passages the model read (empty when nothing was retrieved). */
  hits: SearchHit[];
}

/**
 * Typed questions may read more; a spoken one wants its first words fast. A
 * follow-up keeps the passages the turn before read (they cost no reading)
 * and adds new ones within `followUpTokens`: spoken, about one passage, so
 * the answer starts within seconds of « et qui l'a présenté ? ».
 */
export const PLAN = {
  typed: { passages: 6, passageTokens: 700, followUpTokens: 700, answerChars: 400 },
  spoken: { passages: 3, passageTokens: 260, followUpTokens: 120, answerChars: 280 },
} as const;

async function vaultSources(context: QuestionContext, threads: number): Promise<QuestionSources> {
  const open = context.open!;
  const models = context.models!;
  const index = await currentIndex(open);
  const embeddingPath = await models.resolve('embedding');
  const embeddingModel = embeddingPath ? { path: embeddingPath, threads } : undefined;
  if (embeddingModel) {
    await embedMissing(
      open,
      index,
      (texts, signal) => context.host.embed(embeddingModel, texts, signal ? { signal } : {}),
      context.signal,
    );
  }
  return {
    index,
    lookup: vaultSegmentLookup(open),
    meetings: open.meetings.list().map((m) => ({ id: m.id, startedAt: m.startedAt })),
    model: {
      path: await models.require('llm'),
      threads,
      ...(context.contextSize ? { contextSize: context.contextSize } : {}),
    },
    ...(embeddingModel ? { embeddingModel } : {}),
  };
}

export function sourcesOf(context: QuestionContext, threads: number): Promise<QuestionSources> {
  return context.sources ? context.sources() : vaultSources(context, threads);
}

/**
 * Everything retrieval needs from a question and its conversation: a
 * follow-up keeps to the meetings of the turn before, and the question's own
 * time, meeting and speaker references narrow it (and replace the
 * conversation's meetings when they name others).
 */
export function preparation(
  text: string,
  language: Language,
  sources: QuestionSources,
  context: QuestionContext,
  question: Pick<Question, 'filter' | 'passages'>,
  plan: (typeof PLAN)[keyof typeof PLAN],
  read?: ReadPassages,
): PrepareOptions {
  const turns = context.turns ?? [];
  // What the question lane read last: this question's preload, else the turn before's prompt.
  const alreadyRead = read ?? turns.at(-1)?.read;
  const follow = followUpQuery(text, turns);
  const references = resolveReferences(text, {
    meetings: sources.meetings,
    language,
    ...(context.now ? { now: context.now } : {}),
    speakers: context.speakers ?? namedSpeakers(context),
  });
  const named = references.found.some((f) => !f.startsWith('speaker:'));
  const conversation = named ? undefined : follow.filter;
  const filter = bothFilters(bothFilters(conversation, references.filter), question.filter);
  const carryRead = follow.followUp && !named;
  return {
    host: context.host,
    model: sources.model,
    index: sources.index,
    lookup: sources.lookup,
    language,
    searchText: follow.text,
    passages: question.passages ?? plan.passages,
    passageTokens: carryRead && alreadyRead ? plan.followUpTokens : plan.passageTokens,
    answerChars: plan.answerChars,
    ...(Object.keys(filter).length > 0 ? { filter } : {}),
    ...(turns.length > 0 ? { previous: previousTurnsLine(turns) } : {}),
    ...(alreadyRead ? { read: alreadyRead, carryRead } : {}),
    ...(sources.embeddingModel ? { embeddingModel: sources.embeddingModel } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  };
}

/**
 * "Qu'a dit Mme Martin…": the people of the vault's rosters a question names
 * narrow retrieval to their words (unless the caller brings its own rule).
 */
function namedSpeakers(context: QuestionContext): SpeakerReferences {
  return (question) => {
    if (!context.open) return undefined;
    const named = speakersNamedIn(question, rosterNames(context.open.meetings.list()));
    return named.length > 0 ? named : undefined;
  };
}

/** From the question's text to the verified answer: evidence first, then the model. */
export async function answerText(
  text: string,
  language: Language,
  sources: QuestionSources,
  context: QuestionContext,
  question: Pick<Question, 'filter' | 'passages'>,
  spoken: boolean,
  read?: ReadPassages,
): Promise<AskResult> {
  // The question, never the answer: the answer can be asked again from the same record.
  if (context.open) {
    await appendAudit(context.open.vault, {
      action: 'question.asked',
      details: { question: text, spoken },
    });
  }
  context.onStage?.('searching', text);
  const plan = spoken ? PLAN.spoken : PLAN.typed;
  const options = preparation(text, language, sources, context, question, plan, read);
  // Evidence before anything that waits for the model host (token counts, the model itself).
  const hits = await retrievePassages(options.searchText ?? text, options);
  const evidence = await findEvidence(hits, text, language, sources.lookup);
  if (evidence) context.onEvidence?.(evidence);
  const prepared = await prepareAnswer(text, { ...options, hits });
  if (!prepared) return result(notFound(text, language, 0), undefined, evidence);
  context.onPassages?.(readPassages(prepared));
  context.onStage?.('answering', text);
  const sentences = context.onSentence ? sentenceStream(context.onSentence) : undefined;
  const answer = await composeAnswer(prepared, {
    host: context.host,
    model: sources.model,
    lookup: sources.lookup,
    ...(context.signal ? { signal: context.signal } : {}),
    onAnswerText: (delta) => {
      context.onToken?.(delta);
      sentences?.push(delta);
    },
  });
  sentences?.flush();
  return result(answer, prepared, evidence);
}

export function result(
  answer: Answer,
  prepared: PreparedAnswer | undefined,
  evidence: Evidence | undefined,
): AskResult {
  const cited = [...new Set(answer.citations.map((c) => c.meetingId))];
  const read = prepared ? [prepared.hits[0]!.meetingId] : [];
  return {
    answer,
    turn: {
      question: answer.question,
      answer: answer.answer,
      found: answer.found,
      language: answer.language,
      meetingIds: cited.length > 0 ? cited : read,
      ...(prepared ? { read: readPassages(prepared) } : {}),
    },
    ...(evidence ? { evidence } : {}),
    hits: prepared?.hits ?? [],
  };
}

/**
 * The one question path, for the app and the CLI alike: a spoken question is
 * heard by whisper, then typed and spoken questions go the same way —
 * retrieval over the index (hybrid when an embedding model is installed),
 * the best verified passage as evidence, an answer constrained to cite the
 * passages, every citation checked against the stored transcript. Silence is
 * not an error: it gets the not-found answer with an empty "heard" text, so
 * both doors say the same.
 */
export async function askQuestion(question: Question, context: QuestionContext): Promise<Answer> {
  return (await askInConversation(question, context)).answer;
}

export async function askInConversation(
  question: Question,
  context: QuestionContext,
): Promise<AskResult> {
  const threads = context.threads ?? defaultThreads();
  const forced = question.language === 'auto' ? undefined : question.language;
  let text = question.text?.replace(/\s+/g, ' ').trim() ?? '';
  let heard: string | undefined;
  let language = forced;
  const sources = sourcesOf(context, threads);
  sources.catch(() => undefined);
  if (question.audio) {
    context.onStage?.('transcribing');
    const transcript = await transcribePcm(question.audio, {
      model: (await sources).asrModel ?? (await context.models!.require('asr')),
      language: question.language,
      threads,
      host: 'question',
      ...PREVIEW_DECODING,
      maxTokens: utteranceTokens((question.audio.length / SAMPLE_RATE) * 1000),
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
    if (!text) return result(notFound('', language ?? 'fr', 0, ''), undefined, undefined);
  }
  const done = await answerText(
    text,
    language ?? detectLanguage(text),
    await sources,
    context,
    question,
    question.audio !== undefined,
  );
  return heard === undefined
    ? done
    : { ...done, answer: { ...done.answer, transcribedFrom: heard } };
}
