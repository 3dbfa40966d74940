import { basename } from 'node:path';
import { z } from 'zod';
import { GreffierError } from '../errors.js';
import { MinutesSchema, type MinutesTemplate, type Minutes } from '../../shared/minutes.js';
import type { Language } from '../../shared/transcript.js';
import type { JobOptions, ModelHost } from './host.js';
import type { ModelRef } from './protocol.js';
import { dataBlock, fill, jsonLine, loadPrompts, loadTemplate, type Prompts } from './prompts.js';

/**
 * Minutes from a transcript, map-reduce and incremental: while a meeting is
 * recorded, each full chunk of transcript is turned into notes in the
 * background (and the notes are folded together when they pile up), so that
 * after stop only the tail and one final merge remain.
 *
 * Every size here derives from the loaded model: its context size, and token
 * counts from its own tokenizer. The output schemas are bounded (maxLength,
 * maxItems) so generation always ends in valid JSON, whatever the model.
 */

export interface SummarySegment {
  id: string;
  startMs: number;
  endMs: number;
  text: string;
  speaker?: string;
}

export interface SummarizeOptions {
  host: ModelHost;
  model: ModelRef;
  meetingId: string;
  meetingTitle?: string;
  language: Language;
  template?: MinutesTemplate;
  signal?: AbortSignal;
  /** The engines' scheduler priority of its model jobs (live notes: 'notes'). */
  priority?: JobOptions['priority'];
  /** Tokens of the final merge as the model writes them. */
  onToken?: (text: string) => void;
  /** After each chunk's notes are done (count so far). */
  onChunk?: (chunks: number) => void;
  now?: () => Date;
  /** Work saved by progress() before a restart. */
  resume?: MinutesProgress;
}

/** What a minutes session has done so far (see MinutesSession.progress). */
export interface MinutesProgress {
  meetingId: string;
  contextSize: number;
  chunks: number;
  notes: { line: string; tokens: number; ids: string[]; speakers: string[] }[];
  pending: { segment: SummarySegment; tokens: number }[];
  summarised: SummarySegment[];
}

/** Characters per string field and items per list: small, so outputs (and CPU time) stay short. */
const LENGTH = {
  title: 80,
  overview: 300,
  item: 100,
  owner: 40,
  due: 30,
  topic: 40,
  intervention: 120,
  summary: 200,
} as const;

const DEFAULT_LIMITS = {
  decisions: 4,
  actionItems: 4,
  openQuestions: 2,
  topics: 4,
  interventions: 4,
} as const;

type Limits = { [K in keyof typeof DEFAULT_LIMITS]: number };

/**
 * Tokens the chat template wraps around system and user turns; measured
 * on Llama-3/ChatML/Mistral templates, all well under this.
 */
const CHAT_WRAPPER_TOKENS = 48;
/**
 * A bounded string of N characters costs about N/3 tokens at most with the
 * word-level vocabularies of real (and generated) models (the cap only guards
 * against a runaway; the schema bounds end generation well before).
 */
const CHARS_PER_TOKEN_FLOOR = 3;

function idsSchema(ids: string[], maxItems: number) {
  return ids.length > 0
    ? { type: 'array', minItems: 1, maxItems, items: { enum: ids } }
    : { type: 'array', maxItems: 0, items: { type: 'string', maxLength: 1 } };
}

function speakerSchema(speakers: string[]) {
  return speakers.length > 0 ? { enum: speakers } : { type: 'string', maxLength: LENGTH.owner };
}

function str(maxLength: number) {
  return { type: 'string', maxLength };
}

/** The shape of notes and of final minutes alike; the final adds title and overview. */
function outputSchema(ids: string[], speakers: string[], limits: Limits, final: boolean) {
  const body: Record<string, unknown> = {
    ...(final
      ? { title: str(LENGTH.title), overview: str(LENGTH.overview) }
      : { summary: str(LENGTH.summary) }),
    decisions: {
      type: 'array',
      maxItems: limits.decisions,
      items: {
        type: 'object',
        properties: { text: str(LENGTH.item), segmentIds: idsSchema(ids, 3) },
        required: ['text', 'segmentIds'],
      },
    },
    actionItems: {
      type: 'array',
      maxItems: limits.actionItems,
      items: {
        type: 'object',
        properties: {
          owner: str(LENGTH.owner),
          task: str(LENGTH.item),
          due: str(LENGTH.due),
          segmentIds: idsSchema(ids, 3),
        },
        required: ['owner', 'task', 'due', 'segmentIds'],
      },
    },
    openQuestions: { type: 'array', maxItems: limits.openQuestions, items: str(LENGTH.item) },
    topics: { type: 'array', maxItems: limits.topics, items: str(LENGTH.topic) },
    interventions: {
      type: 'array',
      maxItems: Math.max(
        1,
        Math.min(limits.interventions, speakers.length || limits.interventions),
      ),
      items: {
        type: 'object',
        properties: { speaker: speakerSchema(speakers), summary: str(LENGTH.intervention) },
        required: ['speaker', 'summary'],
      },
    },
  };
  return { type: 'object', properties: body, required: Object.keys(body) };
}

/** Upper bound of characters the schema lets the model write, structure included. */
function schemaCharBudget(limits: Limits, speakers: number, final: boolean): number {
  const ids = 3 * 12;
  const interventions = Math.max(
    1,
    Math.min(limits.interventions, speakers || limits.interventions),
  );
  return (
    120 +
    (final ? LENGTH.title + LENGTH.overview : LENGTH.summary) +
    limits.decisions * (LENGTH.item + ids + 30) +
    limits.actionItems * (LENGTH.owner + LENGTH.item + LENGTH.due + ids + 50) +
    limits.openQuestions * (LENGTH.item + 4) +
    limits.topics * (LENGTH.topic + 4) +
    interventions * (LENGTH.intervention + LENGTH.owner + 30)
  );
}

function outputTokenBudget(limits: Limits, speakers: number, final: boolean): number {
  return Math.ceil(schemaCharBudget(limits, speakers, final) / CHARS_PER_TOKEN_FLOOR);
}

const RawOutputSchema = z.object({
  title: z.string().optional(),
  overview: z.string().optional(),
  summary: z.string().optional(),
  decisions: z.array(z.object({ text: z.string(), segmentIds: z.array(z.string()) })),
  actionItems: z.array(
    z.object({
      owner: z.string(),
      task: z.string(),
      due: z.string(),
      segmentIds: z.array(z.string()),
    }),
  ),
  openQuestions: z.array(z.string()),
  topics: z.array(z.string()),
  interventions: z.array(z.object({ speaker: z.string(), summary: z.string() })),
});
type RawOutput = z.infer<typeof RawOutputSchema>;

function parseOutput(text: string, outputTokens: number, maxTokens: number): RawOutput {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GreffierError(
      'minutes-cut',
      outputTokens >= maxTokens
        ? `the model's output was cut at ${maxTokens} tokens before the minutes were complete`
        : 'the model wrote minutes that are not valid JSON',
      { hint: 'choose a model with a larger context, or a shorter template', cause: error },
    );
  }
  const parsed = RawOutputSchema.safeParse(json);
  if (!parsed.success) {
    throw new GreffierError('minutes-shape', 'the model wrote minutes of the wrong shape', {
      hint: 'this is a bug in the minutes schema; report it with the model name',
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function timestamp(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** A segment as one line of the quoted data block. */
export function segmentLine(segment: SummarySegment): string {
  return jsonLine({
    id: segment.id,
    ...(segment.speaker ? { speaker: segment.speaker } : {}),
    at: timestamp(segment.startMs),
    text: segment.text,
  });
}

interface Counted {
  segment: SummarySegment;
  line: string;
  tokens: number;
}

interface Notes {
  line: string;
  tokens: number;
  ids: string[];
  speakers: string[];
}

export interface MinutesBudget {
  contextSize: number;
  /** Instructions around the data, at their longest. */
  promptTokens: number;
  /** Tokens of transcript per chunk of notes. */
  chunkTokens: number;
  /** Notes are folded together once they exceed this. */
  notesTokens: number;
  notesMaxTokens: number;
  finalMaxTokens: number;
}

/**
 * Sizes from the model's context. A chunk takes a quarter of it, so the
 * transcript left to read after stop (at most one chunk) stays short; the
 * notes kept for the final merge take another quarter at most.
 */
export function minutesBudget(
  contextSize: number,
  promptTokens: number,
  limits: Limits,
  speakers: number,
): MinutesBudget {
  const notesMaxTokens = outputTokenBudget(limits, speakers, false);
  const finalMaxTokens = outputTokenBudget(limits, speakers, true);
  const room = contextSize - promptTokens - CHAT_WRAPPER_TOKENS;
  const chunkTokens = Math.min(Math.floor(contextSize / 4), room - notesMaxTokens);
  // Notes pile up to this, then are folded into one: the fold reads the pile
  // plus the note that tipped it over, and writes one note.
  const notesTokens = Math.min(Math.floor(contextSize / 4), room - 2 * notesMaxTokens);
  const pile = Math.max(notesTokens, notesMaxTokens);
  const fits =
    chunkTokens >= 64 &&
    pile + 2 * notesMaxTokens <= room &&
    // the final merge reads the folded notes (the tail becomes notes first if it does not fit)
    pile + finalMaxTokens <= room;
  if (!fits) {
    const needed = contextFor(promptTokens, limits);
    throw new GreffierError(
      'minutes-context',
      `a ${contextSize}-token context is too small to write minutes with this template`,
      {
        hint: `use a model or context of at least ${needed} tokens, or a template with lower limits`,
      },
    );
  }
  return { contextSize, promptTokens, chunkTokens, notesTokens, notesMaxTokens, finalMaxTokens };
}

/**
 * The budget for a context, shortening the template's lists step by step
 * (each to about two thirds, never below one) when the context is too small
 * for them; the error stands only when even one item of each does not fit.
 */
export function fitBudget(
  contextSize: number,
  promptTokens: number,
  limits: Limits,
): { budget: MinutesBudget; fitted: Limits } {
  let fitted = limits;
  for (;;) {
    try {
      return {
        budget: minutesBudget(contextSize, promptTokens, fitted, fitted.interventions),
        fitted,
      };
    } catch (error) {
      const smaller = Object.fromEntries(
        Object.entries(fitted).map(([key, value]) => [
          key,
          Math.max(1, Math.floor((value * 2) / 3)),
        ]),
      ) as Limits;
      if (Object.entries(smaller).every(([key, value]) => fitted[key as keyof Limits] === value)) {
        throw error;
      }
      fitted = smaller;
    }
  }
}

/** The smallest context (a multiple of 1024, at least 4096) in which minutesBudget fits. */
export function contextFor(promptTokens: number, limits: Limits): number {
  const notesMax = outputTokenBudget(limits, limits.interventions, false);
  const finalMax = outputTokenBudget(limits, limits.interventions, true);
  const fixed = promptTokens + CHAT_WRAPPER_TOKENS;
  const needed = Math.max(
    ((fixed + 2 * notesMax) * 4) / 3,
    ((fixed + finalMax) * 4) / 3,
    fixed + 3 * notesMax,
    fixed + notesMax + finalMax,
  );
  return Math.max(4096, Math.ceil(needed / 1024) * 1024);
}

/**
 * A meeting's minutes in the making: feed segments as the transcript grows,
 * then `finish()` after stop.
 */
export class MinutesSession {
  private readonly prompts: Prompts;
  private readonly template: MinutesTemplate;
  private readonly limits: Limits;
  private readonly all = new Map<string, SummarySegment>();
  private pending: Counted[] = [];
  private notes: Notes[] = [];
  private chunks = 0;
  private work: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private finished = false;

  private constructor(
    private readonly options: SummarizeOptions,
    readonly budget: MinutesBudget,
  ) {
    this.prompts = loadPrompts(options.language);
    this.template = options.template ?? loadTemplate('general');
    this.limits = { ...DEFAULT_LIMITS, ...this.template.limits };
  }

  /** Loads the model (if needed) and sizes chunks from its context. */
  static async start(options: SummarizeOptions): Promise<MinutesSession> {
    const template = options.template ?? loadTemplate('general');
    const limits = { ...DEFAULT_LIMITS, ...template.limits };
    const prompts = loadPrompts(options.language);
    const job = jobOptions(options);
    const instructions = [prompts.chunk, prompts.merge, prompts.single].map((p) =>
      fill(p, {
        title: options.meetingTitle ?? '',
        chunk: 99,
        guidance: template.instructions[options.language],
      }),
    );
    // Without a size from the caller, the context is sized for the template
    // (the host caps it at what the model was trained for).
    const model: ModelRef = options.model.contextSize
      ? options.model
      : {
          ...options.model,
          contextSize: contextFor(
            Math.ceil(
              (prompts.system.length + Math.max(...instructions.map((i) => i.length)) + 80) / 2,
            ),
            limits,
          ),
        };
    options = { ...options, model };
    const info = await options.host.info(options.model, job);
    const counts = await options.host.count(
      options.model,
      [prompts.system, ...instructions, `${prompts.notesLabel}\n${prompts.transcriptLabel}`],
      job,
    );
    const [system = 0, ...rest] = counts;
    const promptTokens = system + Math.max(...rest.slice(0, 3)) + (rest[3] ?? 0) + 16;
    // A template asking for more than the model's context can hold is not a failure:
    // its lists are shortened (fewer decisions, interventions…) until the budget fits.
    const { budget, fitted } = fitBudget(info.contextSize, promptTokens, limits);
    const session = new MinutesSession(
      { ...options, template: fitted === limits ? template : { ...template, limits: fitted } },
      budget,
    );
    session.modelFile = info.file;
    if (options.resume) session.restore(options.resume);
    return session;
  }

  /** Resolves when the background work queued so far is done. */
  async idle(): Promise<void> {
    await this.work;
    if (this.failure) throw this.failure;
  }

  /**
   * The work done so far, as plain JSON: the app stores it in the vault
   * during a meeting so that a restart resumes without redoing chunk notes.
   * Call after idle().
   */
  progress(): MinutesProgress {
    return {
      meetingId: this.options.meetingId,
      contextSize: this.budget.contextSize,
      chunks: this.chunks,
      notes: this.notes.map((n) => ({ ...n })),
      pending: this.pending.map((c) => ({ segment: c.segment, tokens: c.tokens })),
      summarised: [...this.all.values()].filter((s) => !this.pending.some((c) => c.segment === s)),
    };
  }

  private restore(progress: MinutesProgress): void {
    if (
      progress.meetingId !== this.options.meetingId ||
      progress.contextSize !== this.budget.contextSize
    ) {
      // Notes sized for another context (or meeting) would break the budgets: start over.
      return;
    }
    this.chunks = progress.chunks;
    this.notes = progress.notes.map((n) => ({ ...n }));
    for (const s of progress.summarised) this.all.set(s.id, s);
    for (const c of progress.pending) {
      this.all.set(c.segment.id, c.segment);
      this.pending.push({ segment: c.segment, line: segmentLine(c.segment), tokens: c.tokens });
    }
  }

  private modelFile = '';

  get chunksDone(): number {
    return this.chunks;
  }

  /** Adds transcript as it arrives; full chunks are summarised in the background. */
  addSegments(segments: SummarySegment[]): void {
    if (this.finished) {
      throw new GreffierError('minutes-finished', 'these minutes are already finished', {
        hint: 'start a new summary to include more transcript',
      });
    }
    const fresh = segments.filter((s) => s.text.trim() && !this.all.has(s.id));
    for (const s of fresh) this.all.set(s.id, s);
    if (fresh.length === 0) return;
    this.chain(async () => {
      const lines = fresh.map(segmentLine);
      const counts = await this.options.host.count(this.options.model, lines, this.job());
      fresh.forEach((segment, i) =>
        this.pending.push({ segment, line: lines[i]!, tokens: counts[i]! + 1 }),
      );
      while (sum(this.pending) >= this.budget.chunkTokens) {
        await this.summariseChunk(this.takeChunk());
        await this.foldNotesIfNeeded();
      }
    });
  }

  /** Waits for background work, reads the tail, merges: the minutes. */
  async finish(): Promise<Minutes> {
    this.finished = true;
    await this.work;
    if (this.failure) throw this.failure;
    if (this.all.size === 0) {
      throw new GreffierError('minutes-empty', 'the meeting has no transcript to summarise', {
        hint: 'transcribe it first ("greffier transcribe")',
      });
    }
    const room =
      this.budget.contextSize -
      this.budget.promptTokens -
      CHAT_WRAPPER_TOKENS -
      this.budget.finalMaxTokens;
    if (this.notes.length > 0 && sumTokens(this.notes) + sum(this.pending) > room) {
      // The tail does not fit beside the notes: it becomes notes of its own first.
      await this.summariseChunk(this.takeChunk());
      await this.foldNotesIfNeeded();
    }
    const tail = this.pending;
    this.pending = [];
    const options = this.options;
    const useNotes = this.notes.length > 0;
    const tailSpeakers = speakersOf(tail.map((c) => c.segment));
    const ids = uniq([...this.notes.flatMap((n) => n.ids), ...tail.map((c) => c.segment.id)]);
    const speakers = uniq([...this.notes.flatMap((n) => n.speakers), ...tailSpeakers]);
    const guidance = this.template.instructions[options.language];
    const title = options.meetingTitle ?? '';
    const parts: string[] = [
      fill(useNotes ? this.prompts.merge : this.prompts.single, { title, guidance }),
    ];
    if (useNotes) {
      parts.push(
        this.prompts.notesLabel,
        dataBlock(
          this.prompts,
          this.notes.map((n) => n.line),
        ),
      );
    }
    if (tail.length > 0) {
      parts.push(
        this.prompts.transcriptLabel,
        dataBlock(
          this.prompts,
          tail.map((c) => c.line),
        ),
      );
    }
    const maxTokens = this.budget.finalMaxTokens;
    const result = await options.host.generate(
      {
        model: options.model,
        system: this.prompts.system,
        prompt: parts.join('\n'),
        schema: outputSchema(ids, speakers, this.limits, true),
        maxTokens,
      },
      { ...this.job(), ...(options.onToken ? { onToken: options.onToken } : {}) },
    );
    const raw = parseOutput(result.text, result.outputTokens, maxTokens);
    return this.toMinutes(raw);
  }

  private job(): JobOptions {
    return jobOptions(this.options);
  }

  private chain(step: () => Promise<void>): void {
    this.work = this.work
      .then(() => (this.failure ? undefined : step()))
      .catch((error: unknown) => {
        this.failure ??= error as Error;
      });
  }

  private takeChunk(): Counted[] {
    const chunk: Counted[] = [];
    let tokens = 0;
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      if (chunk.length > 0 && tokens + next.tokens > this.budget.chunkTokens) break;
      chunk.push(this.pending.shift()!);
      tokens += next.tokens;
    }
    return chunk;
  }

  private async summariseChunk(chunk: Counted[]): Promise<void> {
    const segments = chunk.map((c) => c.segment);
    const ids = segments.map((s) => s.id);
    const speakers = speakersOf(segments);
    const prompt = [
      fill(this.prompts.chunk, {
        title: this.options.meetingTitle ?? '',
        chunk: this.chunks + 1,
        guidance: this.template.instructions[this.options.language],
      }),
      this.prompts.transcriptLabel,
      dataBlock(
        this.prompts,
        chunk.map((c) => c.line),
      ),
    ].join('\n');
    await this.addNotes(prompt, ids, speakers);
    this.chunks++;
    this.options.onChunk?.(this.chunks);
  }

  /** Folds all notes into one when they would crowd the final merge. */
  private async foldNotesIfNeeded(): Promise<void> {
    if (this.notes.length < 2 || sumTokens(this.notes) <= this.budget.notesTokens) return;
    const notes = this.notes;
    this.notes = [];
    const prompt = [
      fill(this.prompts.merge, {
        title: this.options.meetingTitle ?? '',
        guidance: this.template.instructions[this.options.language],
      }),
      this.prompts.notesLabel,
      dataBlock(
        this.prompts,
        notes.map((n) => n.line),
      ),
    ].join('\n');
    await this.addNotes(
      prompt,
      uniq(notes.flatMap((n) => n.ids)),
      uniq(notes.flatMap((n) => n.speakers)),
    );
  }

  private async addNotes(prompt: string, ids: string[], speakers: string[]): Promise<void> {
    const maxTokens = this.budget.notesMaxTokens;
    const result = await this.options.host.generate(
      {
        model: this.options.model,
        system: this.prompts.system,
        prompt,
        schema: outputSchema(ids, speakers, this.limits, false),
        maxTokens,
      },
      this.job(),
    );
    const raw = parseOutput(result.text, result.outputTokens, maxTokens);
    const kept = clean(raw, new Set(ids));
    const cited = uniq([
      ...kept.decisions.flatMap((d) => d.segmentIds),
      ...kept.actionItems.flatMap((a) => a.segmentIds),
    ]);
    this.notes.push({
      line: jsonLine(kept),
      tokens: result.outputTokens + 2,
      // Ids the notes cite stay citable in the merge; a chunk's notes that
      // cite nothing still let the merge point at the chunk's first segment.
      ids: cited.length > 0 ? cited : ids.slice(0, 1),
      speakers: uniq(kept.interventions.map((i) => i.speaker).filter((s) => speakers.includes(s))),
    });
  }

  private toMinutes(raw: RawOutput): Minutes {
    const known = new Set(this.all.keys());
    const kept = clean(raw, known);
    const now = (this.options.now ?? (() => new Date()))();
    return MinutesSchema.parse({
      meetingId: this.options.meetingId,
      language: this.options.language,
      template: this.template.id,
      title: (raw.title ?? '').trim() || this.options.meetingTitle || '',
      overview: (raw.overview ?? '').trim(),
      decisions: kept.decisions,
      actionItems: kept.actionItems.map(({ due, ...a }) => (due ? { ...a, due } : a)),
      openQuestions: kept.openQuestions,
      topics: kept.topics,
      interventions: kept.interventions,
      generatedAt: now.toISOString(),
      model: this.modelFile || basename(this.options.model.path),
      method: { chunks: this.chunks, contextSize: this.budget.contextSize },
    });
  }
}

/**
 * Trims, drops empty items and every segment id that is not in the
 * transcript: a model (or a prompt injection) cannot make minutes cite a
 * segment that does not exist, and every decision and action kept cites one.
 */
export function clean(raw: RawOutput, known: Set<string>) {
  const ids = (list: string[]) => uniq(list.filter((id) => known.has(id)));
  const text = (s: string) => s.replace(/\s+/g, ' ').trim();
  return {
    summary: text(raw.summary ?? ''),
    decisions: raw.decisions
      .map((d) => ({ text: text(d.text), segmentIds: ids(d.segmentIds) }))
      // A decision that cites no real segment cannot be checked: it is not kept.
      .filter((d) => d.text && d.segmentIds.length > 0),
    actionItems: raw.actionItems
      .map((a) => ({
        owner: text(a.owner),
        task: text(a.task),
        due: text(a.due),
        segmentIds: ids(a.segmentIds),
      }))
      .filter((a) => a.task && a.segmentIds.length > 0),
    openQuestions: raw.openQuestions.map(text).filter(Boolean),
    topics: raw.topics.map(text).filter(Boolean),
    interventions: raw.interventions
      .map((i) => ({ speaker: text(i.speaker), summary: text(i.summary) }))
      .filter((i) => i.speaker && i.summary),
  };
}

/** Minutes of a whole transcript at once (the same path as live, fed in one go). */
export async function summarizeTranscript(
  options: SummarizeOptions,
  segments: SummarySegment[],
): Promise<Minutes> {
  const session = await MinutesSession.start(options);
  session.addSegments(segments);
  return session.finish();
}

function jobOptions(options: SummarizeOptions): JobOptions {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.priority ? { priority: options.priority } : {}),
  };
}

function sum(list: Counted[]): number {
  return list.reduce((n, c) => n + c.tokens, 0);
}

function sumTokens(list: Notes[]): number {
  return list.reduce((n, c) => n + c.tokens, 0);
}

function speakersOf(segments: SummarySegment[]): string[] {
  return uniq(segments.map((s) => s.speaker?.trim() ?? '').filter(Boolean));
}

function uniq<T>(list: T[]): T[] {
  return [...new Set(list)];
}
