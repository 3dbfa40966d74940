import { audioContextFor } from '../asr/index.js';
import { SAMPLE_RATE } from '../audio/index.js';
import { pausableProcess } from '../scheduler/index.js';
import type { ModelHost } from '../llm/host.js';
import { pieceEnds } from '../llm/pieces.js';
import { defaultThreads } from '../threads.js';
import { detectLanguage } from '../text/language.js';
import type { Language, LanguageChoice } from '../../shared/transcript.js';
import { answerOpening, notFound, prepareAnswer } from './answer.js';
import {
  answerText,
  PLAN,
  preparation,
  result,
  sourcesOf,
  type AskResult,
  type QuestionContext,
  type QuestionSources,
} from './ask.js';
import { HeldQuestion, whisperHear, type Hear } from './listen.js';
import { readPassages, type ReadPassages } from './read-passages.js';

const WARM_SAMPLES = SAMPLE_RATE / 5;
/** A passage or so (pieceEnds cuts between two passages): about a second of reading on two cores. */
const QUESTION_PIECE_CHARS = 120;
/** No audio for this long while held: the host goes back to the meeting's notes. */
const RESERVATION_IDLE_MS = 5_000;

/**
 * A question's hearing comes first: whisper runs at the scheduler's 'hearing'
 * priority (after a live window, before the question's own model work and
 * any background work), and the model host is frozen while whisper hears,
 * even inside a prompt's evaluation that no cancel interrupts (the reading
 * the previous run started). The model reads between whisper's runs, not
 * beside them: on two cores, two engines side by side each run at well under
 * half speed, and at release the tail is what everyone waits for.
 */
export function hearingFirst(host: ModelHost, hear: Hear): Hear {
  return (pcm, options) => {
    const { scheduler } = host;
    if (!scheduler) return host.whileFrozen(() => hear(pcm, options));
    return scheduler.run(
      'hearing',
      (task) =>
        host.whileFrozen(() =>
          hear(pcm, { ...options, onSpawn: (child) => task.hold(pausableProcess(child)) }),
        ),
      { ...(options.signal ? { signal: options.signal } : {}), label: 'hearing' },
    );
  };
}

/**
 * A question spoken while the key is held (push-to-talk): audio arrives in
 * chunks, whisper hears it as it grows, and the model reads the passages the
 * partial question retrieves (a preload on the question lane), so at release
 * only the last second is transcribed and only the question's own tokens
 * are left to read before the first word of the answer.
 */
export class HeldQuestionAsk {
  private readonly held: HeldQuestion;
  private readonly sources: Promise<QuestionSources>;
  private readonly threads: number;
  private preloading: { controller: AbortController; done: Promise<void> } | undefined;
  private preloadedFor = '';
  /** The newest partial question heard (a preload under way leaves it for when it is done). */
  private latestPartial = '';
  private opening: { controller: AbortController; done: Promise<void> } | undefined;
  /** The passages the question lane holds, read by this question's preloads. */
  private read: ReadPassages | undefined;
  /** The longest prompt those preloads have read, as read. */
  private readPrompt = '';
  /** Preloads run while held (for the bench and tests). */
  preloads = 0;

  constructor(
    private readonly language: LanguageChoice,
    private readonly context: QuestionContext,
    options: { hear?: Hear; stepMs?: number } = {},
  ) {
    this.threads = context.threads ?? defaultThreads();
    this.sources = sourcesOf(context, this.threads);
    this.sources.catch(() => undefined);
    const whisper: Hear =
      options.hear ??
      (async (pcm, hearOptions) => {
        const sources = await this.sources;
        const model = sources.asrModel ?? (await this.context.models!.require('asr'));
        return whisperHear({
          model,
          threads: this.threads,
          ...(context.env ? { env: context.env } : {}),
        })(pcm, hearOptions);
      });
    const hear = hearingFirst(context.host, whisper);
    this.reserveHost();
    context.onStage?.('listening');
    // Key down: whisper's host starts and loads its model on a fifth of a second of
    // silence (its text is not used), so the first second of the question is heard
    // by a loaded model instead of waiting for a process start and a load.
    void hear(new Int16Array(WARM_SAMPLES), {
      language,
      audioContext: audioContextFor((WARM_SAMPLES / SAMPLE_RATE) * 1000),
    }).catch(() => undefined);
    this.preloadOpening();
    this.held = new HeldQuestion({
      language,
      hear,
      ...(options.stepMs ? { stepMs: options.stepMs } : {}),
      onPartial: (text) => {
        context.onHeard?.(text);
        this.preload(text);
      },
    });
  }

  push(samples: Int16Array): void {
    this.held.push(samples);
    this.keepReservation();
  }

  /**
   * The model host is the question's from key down to its answer (see
   * ModelHost.reserve): the meeting's notes give way once, not once per job.
   * A key held with no audio coming (the screen went away without a word)
   * gives the host back after a few seconds: the notes never wait for a
   * question nobody finishes.
   */
  private reservation: { end: () => void; idle?: ReturnType<typeof setTimeout> } | undefined;

  private reserveHost(): void {
    let end!: () => void;
    const until = new Promise<void>((resolve) => (end = resolve));
    this.reservation = { end };
    this.context.host.reserve('question', until);
    this.keepReservation();
  }

  private keepReservation(): void {
    const reservation = this.reservation;
    if (!reservation) return;
    clearTimeout(reservation.idle);
    reservation.idle = setTimeout(() => this.endReservation(), RESERVATION_IDLE_MS);
    reservation.idle.unref?.();
  }

  private endReservation(): void {
    const reservation = this.reservation;
    this.reservation = undefined;
    if (!reservation) return;
    clearTimeout(reservation.idle);
    reservation.end();
  }

  get whisperRuns(): number {
    return this.held.runs;
  }

  /**
   * Key down: the model is loaded (when it was not) and the instructions
   * read, while the official starts speaking. Only when the language is
   * known: in 'auto', the instructions' language comes with the first words.
   */
  private preloadOpening(): void {
    if (this.language === 'auto') return;
    const language = this.language;
    const controller = new AbortController();
    const done = this.sources
      .then((sources) =>
        this.context.host.preload(
          { model: sources.model, lane: 'question', ...answerOpening(language) },
          // A question's reading pre-empts the meeting's notes, as its answer does.
          { signal: controller.signal, priority: 'question' },
        ),
      )
      .then(() => undefined)
      .catch(() => undefined); // a head start only
    this.opening = { controller, done };
  }

  /** Reads the passages of the partial question into the question lane, one preload at a time. */
  private preload(partial: string): void {
    this.latestPartial = partial;
    if (this.preloading || !partial || partial === this.preloadedFor) return;
    this.preloadedFor = partial;
    const controller = new AbortController();
    const run = async () => {
      // The passages follow the instructions: read after them, never beside them.
      await this.opening?.done;
      const sources = await this.sources;
      const language = this.languageFor(partial);
      const options = preparation(
        partial,
        language,
        sources,
        this.context,
        {},
        PLAN.spoken,
        this.read,
      );
      const prepared = await prepareAnswer(partial, { ...options, signal: controller.signal });
      if (!prepared || controller.signal.aborted) return;
      this.preloads++;
      const next = readPassages(prepared);
      // Piece by piece, never the question line: a piece being read cannot be
      // interrupted, so at release the host is free within one piece's time
      // for whisper and the answer; and a newer partial question stops this
      // reading between two pieces, so the passages read are those of the
      // question as heard last, not as heard first.
      const prompt = prepared.prompt;
      const questionLine = prompt.lastIndexOf('\n');
      const ends = [...pieceEnds(prompt, QUESTION_PIECE_CHARS, questionLine), questionLine];
      for (const end of ends) {
        if (controller.signal.aborted || this.latestPartial !== partial) return;
        const piece = prompt.slice(0, end);
        // What the lane holds changes only when a piece goes beyond it: until
        // then the passages read before stay the ones to begin with (a newer
        // partial stopped before reading anything must not make the answer's
        // prompt start with passages nobody read).
        if (!this.readPrompt.startsWith(piece)) this.read = next;
        await this.context.host.preload(
          { model: sources.model, lane: 'question', system: prepared.system, prompt: piece },
          { signal: controller.signal, priority: 'question' },
        );
        this.readPrompt = piece;
      }
    };
    const done = run()
      .catch(() => undefined) // a preload is only a head start: its failure costs nothing
      .finally(() => {
        if (this.preloading?.controller !== controller) return;
        this.preloading = undefined;
        // More of the question was heard meanwhile: read for it now, not at the next step.
        if (!controller.signal.aborted) this.preload(this.latestPartial);
      });
    this.preloading = { controller, done };
  }

  private languageFor(text: string): Language {
    if (this.language !== 'auto') return this.language;
    return this.held.heardLanguage ?? detectLanguage(text);
  }

  /** The key is released: hear the tail, then answer. */
  async finish(): Promise<AskResult> {
    try {
      return await this.answer();
    } finally {
      this.endReservation();
    }
  }

  private async answer(): Promise<AskResult> {
    this.context.onStage?.('transcribing');
    // What the preload read stays read; stopped first so whisper has the cores for the tail.
    this.opening?.controller.abort();
    this.preloading?.controller.abort();
    const heard = await this.held.finish();
    const sources = await this.sources;
    const language = heard.language ?? this.languageFor(heard.text);
    if (!heard.text) return result(notFound('', language, 0, ''), undefined, undefined);
    this.context.onHeard?.(heard.text);
    const done = await answerText(heard.text, language, sources, this.context, {}, true, this.read);
    return { ...done, answer: { ...done.answer, transcribedFrom: heard.text } };
  }

  cancel(): void {
    this.endReservation();
    this.held.cancel();
    this.opening?.controller.abort();
    this.preloading?.controller.abort();
  }
}
