import type { ChildProcess } from 'node:child_process';
import { audioContextFor, PREVIEW_DECODING, transcribePcm, utteranceTokens } from '../asr/index.js';
import { rms, SAMPLE_RATE } from '../audio/index.js';
import { LanguageSchema, type Language, type LanguageChoice } from '../../shared/transcript.js';

/**
 * A question heard while the key is held: whisper runs on the growing audio
 * about once a second, with an encoder context cut to the audio's length
 * (as live transcription does), and the audio up to a pause or a quiet gap
 * between two words is committed (heard for good), so at release only the
 * words since the last cut remain to be transcribed. Partial text goes out as
 * it comes, so retrieval and the model's reading can start before the
 * official is done.
 */

/** Heard text of some audio; whisper by default, a stand-in for benchmarks. */
export type Hear = (
  pcm: Int16Array,
  options: {
    language: LanguageChoice;
    audioContext: number;
    signal?: AbortSignal;
    /** The whisper process doing this run (the scheduler freezes it for a live window). */
    onSpawn?: (child: ChildProcess) => void;
  },
) => Promise<{ text: string; language?: Language }>;

export interface ListenOptions {
  language: LanguageChoice;
  hear: Hear;
  /** The whole question so far, each time more of it is heard. */
  onPartial?: (text: string) => void;
  onError?: (error: unknown) => void;
  /** New audio that triggers a run (default 1 s). */
  stepMs?: number;
}

/** A pause at least this long, with this much audio before it, is where text is committed. */
const PAUSE_MS = 300;
const MIN_COMMIT_MS = 1_000;
const SILENCE_RMS = 0.01;
const FRAME = SAMPLE_RATE / 50; // 20 ms
/**
 * A gap between words: this many quiet frames in a row (60 ms). Shorter dips
 * are often the closure of a consonant (« bu|dget »): cut there, whisper would
 * hear half a word on each side.
 */
const GAP_FRAMES = 3;
/** Quiet relative to the speaker's level: a room's noise floor is not digital silence. */
const GAP_RATIO = 0.1;
/** The newest audio is not cut: the next word may be starting. */
const TAIL_GUARD_MS = 200;

/** whisper on PCM with a short context and no fallback retries: the hearing of a question. */
export function whisperHear(options: {
  model: string;
  threads: number;
  env?: NodeJS.ProcessEnv;
  whisperCli?: string;
}): Hear {
  return async (pcm, { language, audioContext, signal, onSpawn }) => {
    const transcript = await transcribePcm(pcm, {
      model: options.model,
      language,
      threads: options.threads,
      audioContext,
      ...PREVIEW_DECODING,
      // A question is one utterance: a run never decodes more than it can hold.
      maxTokens: utteranceTokens((pcm.length / SAMPLE_RATE) * 1000),
      // The question lane's whisper host keeps the model loaded between the
      // held key's runs: a run costs whisper's work, not a process start and a load.
      host: 'question',
      ...(signal ? { signal } : {}),
      ...(onSpawn ? { onSpawn } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.whisperCli ? { whisperCli: options.whisperCli } : {}),
    });
    const spoken = LanguageSchema.safeParse(transcript.language);
    return {
      text: transcript.segments
        .map((s) => s.text)
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim(),
      ...(spoken.success ? { language: spoken.data } : {}),
    };
  };
}

/**
 * The end of the last pause in samples [from, to): where audio can be cut
 * without cutting a word. -1 when there is none.
 */
export function lastPauseEnd(pcm: Int16Array, from: number, to: number): number {
  const need = Math.ceil(PAUSE_MS / 20);
  let quiet = 0;
  let found = -1;
  for (let at = from; at + FRAME <= to; at += FRAME) {
    if (rms(pcm.subarray(at, at + FRAME)) < SILENCE_RMS) {
      quiet++;
      if (quiet >= need) found = at + FRAME;
    } else quiet = 0;
  }
  return found;
}

function frameLevels(pcm: Int16Array, from: number, to: number): number[] {
  const levels: number[] = [];
  for (let at = from; at + FRAME <= to; at += FRAME) levels.push(rms(pcm.subarray(at, at + FRAME)));
  return levels;
}

/**
 * Where the audio in [from, to) can be cut between two words: the middle of
 * the latest gap of GAP_FRAMES quiet frames at least `minMs` after `from` and
 * TAIL_GUARD_MS before `to`. Quiet is below SILENCE_RMS or a tenth of the
 * speaker's loud frames (90th percentile), whichever is higher. -1 when none.
 */
export function lastQuietGap(pcm: Int16Array, from: number, to: number, minMs = 0): number {
  const levels = frameLevels(pcm, from, to);
  if (levels.length === 0) return -1;
  const loud = [...levels].sort((a, b) => a - b)[Math.floor(levels.length * 0.9)]!;
  const quiet = Math.max(SILENCE_RMS, loud * GAP_RATIO);
  const first = Math.ceil(((minMs / 1000) * SAMPLE_RATE) / FRAME);
  const last = levels.length - Math.ceil(((TAIL_GUARD_MS / 1000) * SAMPLE_RATE) / FRAME);
  let found = -1;
  let run = 0;
  for (let i = 0; i < last; i++) {
    if (levels[i]! < quiet) {
      run++;
      const start = i - run + 1;
      if (run >= GAP_FRAMES && start >= first) {
        // The middle of the gap: a little silence stays on each side of the cut.
        found = from + Math.round(((start + i + 1) / 2) * FRAME);
      }
    } else run = 0;
  }
  return found;
}

export class HeldQuestion {
  private audio = new Int16Array(SAMPLE_RATE * 8);
  private length = 0;
  /** Audio before this sample is heard for good; its text is `committed`. */
  private committedAt = 0;
  private committed = '';
  private lastRunAt = 0;
  private running: Promise<void> | undefined;
  private finished = false;
  private language: Language | undefined;
  private readonly abort = new AbortController();
  /** Whisper runs while held, for the bench and the screen. */
  runs = 0;

  constructor(private readonly options: ListenOptions) {}

  get heardLanguage(): Language | undefined {
    return this.language;
  }

  get durationMs(): number {
    return (this.length / SAMPLE_RATE) * 1000;
  }

  push(samples: Int16Array): void {
    if (this.finished) return;
    if (this.length + samples.length > this.audio.length) {
      const grown = new Int16Array(Math.max(this.audio.length * 2, this.length + samples.length));
      grown.set(this.audio.subarray(0, this.length));
      this.audio = grown;
    }
    this.audio.set(samples, this.length);
    this.length += samples.length;
    const step = ((this.options.stepMs ?? 1000) / 1000) * SAMPLE_RATE;
    if (!this.running && this.length - this.lastRunAt >= step) {
      this.running = this.step().finally(() => (this.running = undefined));
    }
  }

  private async hear(from: number, to: number) {
    const pcm = this.audio.slice(from, to);
    const heard = await this.options.hear(pcm, {
      language: this.options.language,
      audioContext: audioContextFor(((to - from) / SAMPLE_RATE) * 1000),
      signal: this.abort.signal,
    });
    this.language ??= heard.language;
    return heard.text;
  }

  /**
   * One whisper run: commit up to the last pause or gap between words (that
   * text will not change) and say the question so far; with no cut yet, hear
   * everything since the last one for the partial text instead. One run a
   * step, not two: on two cores a run costs about a second.
   */
  private async step(): Promise<void> {
    const end = this.length;
    this.lastRunAt = end;
    try {
      const cut = this.cutBefore(end);
      if (cut > 0) {
        const text = await this.hear(this.committedAt, cut);
        this.runs++;
        this.committed = join(this.committed, text);
        this.committedAt = cut;
        if (!this.finished) this.options.onPartial?.(this.committed);
        return;
      }
      const rest = end > this.committedAt ? await this.hear(this.committedAt, end) : '';
      this.runs++;
      if (!this.finished) this.options.onPartial?.(join(this.committed, rest));
    } catch (error) {
      if (!this.finished) this.options.onError?.(error);
    }
  }

  /** The latest pause, else the latest gap between words, with MIN_COMMIT_MS of audio before it. */
  private cutBefore(end: number): number {
    const min = (MIN_COMMIT_MS / 1000) * SAMPLE_RATE;
    const pause = lastPauseEnd(this.audio, this.committedAt, end);
    const gap = lastQuietGap(this.audio, this.committedAt, end, MIN_COMMIT_MS);
    const cut = Math.max(pause, gap);
    return cut > 0 && cut - this.committedAt >= min ? cut : -1;
  }

  /**
   * The key is released: the audio since the last committed pause is heard
   * (a second or two), and the whole question returned.
   */
  async finish(): Promise<{ text: string; language?: Language }> {
    this.finished = true;
    // A run in progress ends first: a commit is kept (it hears part of the
    // tail), a partial is heard again with the rest. Never cancelled: a
    // cancel kills whisper's host mid-run, and the tail would then pay a
    // process start and a model load (a second or more) instead of the end
    // of a short run (a fraction of a second).
    await this.running?.catch(() => undefined);
    const tail =
      this.length > this.committedAt &&
      !isSilent(this.audio.subarray(this.committedAt, this.length))
        ? await this.tail()
        : '';
    const text = join(this.committed, tail);
    return { text, ...(this.language ? { language: this.language } : {}) };
  }

  private async tail(): Promise<string> {
    const pcm = this.audio.slice(this.committedAt, this.length);
    const heard = await this.options.hear(pcm, {
      language: this.options.language,
      audioContext: audioContextFor((pcm.length / SAMPLE_RATE) * 1000),
    });
    this.language ??= heard.language;
    return heard.text;
  }

  /** Stops without answering (the official let go of nothing, or the screen closed). */
  cancel(): void {
    this.finished = true;
    this.abort.abort();
  }
}

function join(a: string, b: string): string {
  return `${a} ${b}`.replace(/\s+/g, ' ').trim();
}

function isSilent(samples: Int16Array): boolean {
  return samples.length === 0 || rms(samples) < SILENCE_RMS;
}
