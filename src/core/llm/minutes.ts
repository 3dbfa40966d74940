import { basename } from 'node:path';
import { GreffierError } from '../errors.js';
import { MinutesSchema, type MinutesTemplate, type Minutes } from '../../shared/minutes.js';
import type { Language } from '../../shared/transcript.js';
import type { JobOptions, ModelHost } from './host.js';
import type { ModelRef } from './protocol.js';
import { dataBlock, fill, jsonLine, loadPrompts, loadTemplate, type Prompts } from './prompts.js';
import {
  CHAT_WRAPPER_TOKENS,
  contextFor,
  fitBudget,
  type MinutesBudget,
} from './minutes-budget.js';
import {
  clean,
  DEFAULT_LIMITS,
  outputSchema,
  parseOutput,
  uniq,
  type Limits,
  type RawOutput,
} from './minutes-output.js';

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
    const prompt = this.prompt(useNotes ? this.prompts.merge : this.prompts.single, {}, [
      ...(useNotes ? [[this.prompts.notesLabel, this.notes.map((n) => n.line)] as const] : []),
      ...(tail.length > 0
        ? [[this.prompts.transcriptLabel, tail.map((c) => c.line)] as const]
        : []),
    ]);
    const maxTokens = this.budget.finalMaxTokens;
    const result = await options.host.generate(
      {
        model: options.model,
        system: this.prompts.system,
        prompt,
        schema: outputSchema(ids, speakers, this.limits, true),
        maxTokens,
      },
      { ...this.job(), ...(options.onToken ? { onToken: options.onToken } : {}) },
    );
    const raw = parseOutput(result.text, result.outputTokens, maxTokens);
    return this.toMinutes(raw);
  }

  /** An instruction (with the meeting's title and the template's guidance), then labelled data. */
  private prompt(
    instruction: string,
    values: Record<string, number>,
    blocks: ReadonlyArray<readonly [label: string, lines: string[]]>,
  ): string {
    return [
      fill(instruction, {
        title: this.options.meetingTitle ?? '',
        guidance: this.template.instructions[this.options.language],
        ...values,
      }),
      ...blocks.flatMap(([label, lines]) => [label, dataBlock(this.prompts, lines)]),
    ].join('\n');
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
    const prompt = this.prompt(this.prompts.chunk, { chunk: this.chunks + 1 }, [
      [this.prompts.transcriptLabel, chunk.map((c) => c.line)],
    ]);
    await this.addNotes(prompt, ids, speakers);
    this.chunks++;
    this.options.onChunk?.(this.chunks);
  }

  /** Folds all notes into one when they would crowd the final merge. */
  private async foldNotesIfNeeded(): Promise<void> {
    if (this.notes.length < 2 || sumTokens(this.notes) <= this.budget.notesTokens) return;
    const notes = this.notes;
    this.notes = [];
    const prompt = this.prompt(this.prompts.merge, {}, [
      [this.prompts.notesLabel, notes.map((n) => n.line)],
    ]);
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
