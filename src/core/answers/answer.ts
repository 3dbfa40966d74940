import { GreffierError } from '../errors.js';
import type { JobOptions, ModelHost } from '../llm/host.js';
import { dataBlock, fill, jsonLine, loadPrompts } from '../llm/prompts.js';
import type { GenerateJob, ModelRef } from '../llm/protocol.js';
import type { SearchIndex } from '../search/index.js';
import { documentTerms, queryTerms } from '../search/text.js';
import { detectLanguage } from '../text/language.js';
import {
  AnswerSchema,
  NOT_FOUND_ANSWER,
  type Answer,
  type SearchFilter,
  type SearchHit,
} from '../../shared/minutes.js';
import type { Language } from '../../shared/transcript.js';
import { answerGrammar, ANSWER_PREFIX, ANSWER_STOP } from './answer-grammar.js';
import { carried, hitKey, readFirst, type ReadPassages } from './read-passages.js';
import { verifyCitations, type ClaimedCitation, type SegmentLookup } from './verify.js';

/**
 * A question answered from the recorded meetings: retrieve passages, give
 * them to the model as quoted data, constrain its answer to cite those
 * passages, then check every citation in code.
 */

export interface AskOptions {
  host: ModelHost;
  model: ModelRef;
  index: SearchIndex;
  /** The vault's segments: citations are verified against them, not against the index. */
  lookup: SegmentLookup;
  /** When configured, the question is embedded for hybrid retrieval. */
  embeddingModel?: ModelRef;
  filter?: SearchFilter;
  /** Passages given to the model (default 6). */
  passages?: number;
  /** Forces the answer language; by default, the question's. */
  language?: Language;
  signal?: AbortSignal;
  /** The answer's text as the model writes it (for the screen), not the raw JSON. */
  onAnswerText?: (delta: string) => void;
}

const ANSWER_CHARS = 400;
/**
 * Most of a passage the model reads. Reading the prompt (prefill) is most of
 * the wait before the first word of an answer on a CPU; a 30 s segment can
 * hold 500 characters of which one or two sentences answer the question.
 */
export const PASSAGE_CHARS = 280;
const QUOTE_CHARS = 200;
const MAX_CITATIONS = 3;

/**
 * Sentences of a segment that the model may quote: each is a verbatim
 * substring, so a grammar restricted to them cannot misquote.
 */
export function quotableSentences(text: string): string[] {
  const sentences = text
    .split(/(?<=[.!?…])\s+/u)
    .map((s) => s.trim())
    .filter((s) => s.length >= 8);
  const list = sentences.length > 0 ? sentences : [text.trim()];
  return [
    ...new Set(
      list.map((s) => (s.length <= QUOTE_CHARS ? s : s.slice(0, s.lastIndexOf(' ', QUOTE_CHARS)))),
    ),
  ].filter((s) => s.length > 0);
}

/**
 * The answer's grammar: either the explicit not-found sentence with no
 * citation, or an answer with 1 to MAX_CITATIONS citations; a citation can
 * only name a retrieved passage and one of that passage's own sentences.
 * The model writes from the answer's first word (see answer-grammar.ts).
 */
export function answerGrammarFor(
  passages: { key: string; text: string }[],
  notFound: string,
  answerChars = ANSWER_CHARS,
): NonNullable<GenerateJob['grammar']> {
  return {
    gbnf: answerGrammar(
      passages.map((p) => ({ key: p.key, quotes: quotableSentences(p.text) })),
      notFound,
      answerChars,
      MAX_CITATIONS,
    ),
    prefix: ANSWER_PREFIX,
    stop: ANSWER_STOP,
  };
}

/**
 * Streams the value of the top-level "answer" string out of the JSON the
 * model is writing (it comes first in the schema), decoded.
 */
export function answerTextStream(onText: (delta: string) => void): (chunk: string) => void {
  let buffer = '';
  let emitted = 0;
  let done = false;
  return (chunk) => {
    if (done) return;
    buffer += chunk;
    const start = buffer.match(/^\s*\{\s*"answer"\s*:\s*"/);
    if (!start) return;
    let text = '';
    let i = start[0].length;
    for (; i < buffer.length; i++) {
      const c = buffer[i]!;
      if (c === '"') {
        done = true;
        break;
      }
      if (c === '\\') {
        const next = buffer[i + 1];
        if (next === undefined) break;
        if (next === 'u') {
          if (i + 6 > buffer.length) break;
          text += String.fromCharCode(parseInt(buffer.slice(i + 2, i + 6), 16));
          i += 5;
        } else {
          text +=
            ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[next] ??
            next;
          i += 1;
        }
        continue;
      }
      text += c;
    }
    if (text.length > emitted) {
      onText(text.slice(emitted));
      emitted = text.length;
    }
  };
}

/**
 * The part of a passage given to the model: whole when short, else its
 * sentences that share the most words with the question (kept in their
 * order) within PASSAGE_CHARS. Whole sentences only, so every quote the
 * model may choose is still verbatim in the stored segment.
 */
export function passageExcerpt(text: string, question: string, language: Language): string {
  if (text.length <= PASSAGE_CHARS) return text;
  const wanted = new Set(queryTerms(question));
  const sentences = quotableSentences(text).map((sentence, order) => ({
    sentence,
    order,
    matches: documentTerms(sentence, language).filter((t) => wanted.has(t)).length,
  }));
  const chosen: typeof sentences = [];
  let used = 0;
  for (const s of [...sentences].sort((a, b) => b.matches - a.matches || a.order - b.order)) {
    if (chosen.length > 0 && used + s.sentence.length + 1 > PASSAGE_CHARS) continue;
    chosen.push(s);
    used += s.sentence.length + 1;
  }
  return chosen
    .sort((a, b) => a.order - b.order)
    .map((s) => s.sentence)
    .join(' ');
}

/**
 * The passages as the model reads them: one JSON line per meeting, holding
 * its passages, so a meeting's title and date are read once rather than once
 * per passage (they were half of the prompt's tokens). Keys P1… follow the
 * order of the lines; meetings come in the order of their best passage.
 * Passages the model has read already (`read`) keep their own lines, first:
 * a new passage of one of their meetings gets a line after them, as put
 * inside theirs it would change the prompt from there on, and the model
 * would read every passage after it again.
 */
export function promptPassages(
  hits: SearchHit[],
  question: string,
  language: Language,
  read?: ReadPassages,
): { passages: { key: string; hit: SearchHit; text: string }[]; lines: string[] } {
  const known = read ? hits.filter((h) => read.excerpts.has(hitKey(h))) : [];
  const fresh = read ? hits.filter((h) => !read.excerpts.has(hitKey(h))) : hits;
  const passages: { key: string; hit: SearchHit; text: string }[] = [];
  const lines = [...byMeeting(known), ...byMeeting(fresh)].map((group) => {
    const first = group[0]!;
    const items = group.map((hit) => {
      const passage = {
        key: `P${passages.length + 1}`,
        hit,
        text: excerptOf(hit, question, language, read),
      };
      passages.push(passage);
      return {
        id: passage.key,
        ...(hit.speaker ? { speaker: hit.speaker } : {}),
        text: passage.text,
      };
    });
    return jsonLine({
      meeting: first.meetingTitle ?? first.meetingId,
      date: first.meetingDate?.slice(0, 10),
      passages: items,
    });
  });
  return { passages, lines };
}

function byMeeting(hits: SearchHit[]): SearchHit[][] {
  const groups = new Map<string, SearchHit[]>();
  for (const hit of hits) groups.set(hit.meetingId, [...(groups.get(hit.meetingId) ?? []), hit]);
  return [...groups.values()];
}

function excerptOf(
  hit: SearchHit,
  question: string,
  language: Language,
  read: ReadPassages | undefined,
): string {
  return read?.excerpts.get(hitKey(hit)) ?? passageExcerpt(hit.text, question, language);
}

export function notFound(
  question: string,
  language: Language,
  dropped: number,
  heard?: string,
): Answer {
  return AnswerSchema.parse({
    question,
    language,
    answer: NOT_FOUND_ANSWER[language],
    citations: [],
    found: false,
    droppedCitations: dropped,
    ...(heard === undefined ? {} : { transcribedFrom: heard }),
  });
}

/**
 * The question's best passages. With `read` (what the question lane has read:
 * while the key was held, or for the turn before), the passages read that
 * the question still finds among its wider candidates (twice as many, within
 * its filter) stay too, after the best ones: the model has read them, so they
 * cost no time, and a prompt that keeps them is read only from where it
 * differs. Passages the whole question no longer finds are dropped.
 */
export async function retrievePassages(
  question: string,
  options: Pick<
    AskOptions,
    'host' | 'index' | 'embeddingModel' | 'filter' | 'passages' | 'signal'
  > & { read?: ReadPassages },
): Promise<SearchHit[]> {
  const limit = options.passages ?? 6;
  let vector: Float32Array | undefined;
  if (options.embeddingModel && options.index.hasVectors) {
    const [v] = await options.host.embed(options.embeddingModel, [question], jobOptions(options));
    if (v) vector = Float32Array.from(v);
  }
  // Only segments can be quoted and checked: a question about decisions must
  // not find the minutes' lines (which match it best) and then nothing to cite.
  const segments = options.index.search(
    { text: question, ...(vector ? { vector } : {}) },
    { ...options.filter, kind: 'segment', limit: limit * 2 },
  );
  const best = segments.slice(0, limit);
  const { read } = options;
  if (!read) return best;
  return [...best, ...segments.slice(limit).filter((h) => read.excerpts.has(hitKey(h)))];
}

/** A question made ready for the model: passages chosen, prompt and schema written. */
export interface PreparedAnswer {
  question: string;
  language: Language;
  hits: SearchHit[];
  passages: { key: string; hit: SearchHit; text: string }[];
  system: string;
  prompt: string;
  grammar: NonNullable<GenerateJob['grammar']>;
  maxTokens: number;
}

export interface PrepareOptions extends Omit<AskOptions, 'onAnswerText'> {
  /** What retrieval searches when it differs from the question (a follow-up's words). */
  searchText?: string;
  /** Earlier turns of the conversation, read by the model as quoted data. */
  previous?: Array<{ q: string; a: string }>;
  /** Most prompt tokens the passages may take, counted with the model's tokenizer. */
  passageTokens?: number;
  /** Longest answer text allowed by the schema (spoken answers are shorter). */
  answerChars?: number;
  /** Hits already retrieved for this question (skips retrieval). */
  hits?: SearchHit[];
  /** What the question lane has read already: kept first and word for word. */
  read?: ReadPassages;
  /** A follow-up: the passages of `read` stay candidates, beside the newly retrieved ones. */
  carryRead?: boolean;
}

/** Tokens a passage costs beyond its text: its key, speaker and JSON punctuation. */
const PASSAGE_OVERHEAD_TOKENS = 14;
export const DEFAULT_PASSAGE_TOKENS = 700;

/**
 * Keeps the best hits whose passages fit the token budget, counted with the
 * model's own tokenizer (characters over- or under-count by a factor of two
 * between French and English, and between models). The best one always stays.
 */
async function withinBudget(
  hits: SearchHit[],
  question: string,
  language: Language,
  options: Pick<PrepareOptions, 'host' | 'model' | 'passageTokens' | 'signal' | 'read'>,
): Promise<SearchHit[]> {
  const budget = options.passageTokens ?? DEFAULT_PASSAGE_TOKENS;
  const texts = hits.map((h) => excerptOf(h, question, language, options.read));
  const counts = await options.host.count(options.model, texts, jobOptions(options));
  const kept: SearchHit[] = [];
  let used = 0;
  let fresh = 0;
  let full = false;
  for (const [i, hit] of hits.entries()) {
    // The budget is reading time: a passage the model has read already costs
    // none and stays; the best passage not read yet always comes in.
    if (options.read?.excerpts.has(hitKey(hit))) {
      kept.push(hit);
      continue;
    }
    const cost = counts[i]! + PASSAGE_OVERHEAD_TOKENS;
    if (full || (fresh > 0 && used + cost > budget)) {
      full = true;
      continue;
    }
    kept.push(hit);
    used += cost;
    fresh++;
  }
  return kept;
}

/**
 * Retrieval, token budget, prompt and schema: everything before the model
 * writes. Undefined when nothing was retrieved (the answer is then not-found).
 * The prompt puts the passages before the question, so a preload of the
 * prompt built on the partial question (while the key is held) is reused up
 * to the question itself.
 */
export async function prepareAnswer(
  question: string,
  options: PrepareOptions,
): Promise<PreparedAnswer | undefined> {
  const trimmed = question.trim();
  if (!trimmed) {
    throw new GreffierError('question-empty', 'the question is empty', {
      hint: 'type a question, or give --audio FILE.wav',
      exitCode: 2,
    });
  }
  const language = options.language ?? detectLanguage(trimmed);
  const found = options.hits ?? (await retrievePassages(options.searchText ?? trimmed, options));
  const retrieved =
    options.carryRead && options.read ? carried(found, options.read, options.filter) : found;
  if (retrieved.length === 0) return undefined;
  const hits = readFirst(await withinBudget(retrieved, trimmed, language, options), options.read);
  const prompts = loadPrompts(language);
  const { passages, lines } = promptPassages(hits, trimmed, language, options.read);
  const previous =
    options.previous && options.previous.length > 0
      ? [jsonLine({ previous: options.previous })]
      : [];
  const prompt = fill(prompts.answerUser, {
    passages: dataBlock(prompts, [...lines, ...previous]),
    question: jsonLine(trimmed),
  });
  const answerChars = options.answerChars ?? ANSWER_CHARS;
  return {
    question: trimmed,
    language,
    hits,
    passages,
    system: prompts.answerSystem,
    prompt,
    grammar: answerGrammarFor(passages, NOT_FOUND_ANSWER[language], answerChars),
    maxTokens: Math.ceil((answerChars + MAX_CITATIONS * (QUOTE_CHARS + 40)) / 2),
  };
}

/**
 * How every answer prompt begins (the instructions and the opening of the
 * data block): read into the question lane when the key goes down, with the
 * system prompt, so that loading the model and reading them are done before
 * any word is heard.
 */
export function answerOpening(language: Language): { system: string; prompt: string } {
  const prompts = loadPrompts(language);
  const marker = '\u0000';
  const whole = fill(prompts.answerUser, {
    passages: `${prompts.dataOpen}${marker}`,
    question: '',
  });
  return { system: prompts.answerSystem, prompt: whole.slice(0, whole.indexOf(marker)) };
}

/** The model writes the answer (on the question lane), then every citation is checked. */
export async function composeAnswer(
  prepared: PreparedAnswer,
  options: Pick<AskOptions, 'host' | 'model' | 'lookup' | 'signal' | 'onAnswerText'>,
): Promise<Answer> {
  const { question, language, passages } = prepared;
  const stream = options.onAnswerText ? answerTextStream(options.onAnswerText) : undefined;
  const result = await options.host.generate(
    {
      model: options.model,
      lane: 'question',
      system: prepared.system,
      prompt: prepared.prompt,
      grammar: prepared.grammar,
      maxTokens: prepared.maxTokens,
    },
    // 'question': pre-empts the meeting's notes in the host (scheduler), live transcription first.
    { ...jobOptions(options), ...(stream ? { onToken: stream } : {}) },
  );

  let parsed: { answer?: unknown; citations?: unknown };
  try {
    parsed = JSON.parse(result.text) as typeof parsed;
  } catch {
    // A cut answer cannot be trusted: nothing in it was verified.
    return notFound(question, language, 0);
  }
  const byKey = new Map(passages.map((p) => [p.key, p.hit]));
  const claims: ClaimedCitation[] = [];
  let unknown = 0;
  for (const c of Array.isArray(parsed.citations) ? parsed.citations : []) {
    const { passage, quote } = (c ?? {}) as { passage?: unknown; quote?: unknown };
    const hit = typeof passage === 'string' ? byKey.get(passage) : undefined;
    if (!hit || typeof quote !== 'string') {
      unknown++;
      continue;
    }
    claims.push({ meetingId: hit.meetingId, segmentId: hit.segmentId, quote });
  }
  const { citations, dropped } = await verifyCitations(claims, options.lookup);
  const answer = typeof parsed.answer === 'string' ? parsed.answer.replace(/\s+/g, ' ').trim() : '';
  if (citations.length === 0 || !answer) return notFound(question, language, dropped + unknown);
  return AnswerSchema.parse({
    question,
    language,
    answer,
    citations,
    found: true,
    droppedCitations: dropped + unknown,
  });
}

export async function answerQuestion(question: string, options: AskOptions): Promise<Answer> {
  const prepared = await prepareAnswer(question, options);
  if (!prepared) {
    return notFound(question.trim(), options.language ?? detectLanguage(question.trim()), 0);
  }
  return composeAnswer(prepared, options);
}

/**
 * Every model job of a question (token counts, embeddings, the answer) runs
 * at question priority: the host runs one job at a time, and a count queued
 * without it would wait behind a whole notes chunk during a meeting.
 */
function jobOptions(options: { signal?: AbortSignal }): JobOptions {
  return { priority: 'question', ...(options.signal ? { signal: options.signal } : {}) };
}
