import { audioContextFor, transcribePcm } from '../asr/index.js';
import { rms, SAMPLE_RATE } from '../audio/index.js';
import { LanguageSchema, type Language, type LanguageChoice } from '../../shared/transcript.js';

/**
 * A question heard while the key is held: whisper runs on the growing audio
 * about once a second, with an encoder context cut to the audio's length
 * (as live transcription does), and the part of the audio before a pause it
 * has heard is committed, so at release only the words since the last
 * pause remain to be transcribed. Partial text goes out as it comes, so
 * retrieval and the model's reading can start before the official is done.
 */

/** Heard text of some audio; whisper by default, a stand-in for benchmarks. */
export type Hear = (
  pcm: Int16Array,
  options: { language: LanguageChoice; audioContext: number; signal?: AbortSignal },
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

/** whisper on PCM with a short context and no fallback retries: the hearing of a question. */
export function whisperHear(options: {
  model: string;
  threads: number;
  env?: NodeJS.ProcessEnv;
  whisperCli?: string;
}): Hear {
  return async (pcm, { language, audioContext, signal }) => {
    const transcript = await transcribePcm(pcm, {
      model: options.model,
      language,
      threads: options.threads,
      audioContext,
      noFallback: true,
      ...(signal ? { signal } : {}),
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

  private async step(): Promise<void> {
    const end = this.length;
    this.lastRunAt = end;
    try {
      // Commit up to the last pause first (it will not change), then hear the rest.
      const pause = lastPauseEnd(this.audio, this.committedAt, end);
      if (pause > 0 && pause - this.committedAt >= (MIN_COMMIT_MS / 1000) * SAMPLE_RATE) {
        const text = await this.hear(this.committedAt, pause);
        this.runs++;
        this.committed = join(this.committed, text);
        this.committedAt = pause;
        if (this.finished) return;
      }
      const rest = end > this.committedAt ? await this.hear(this.committedAt, end) : '';
      this.runs++;
      if (!this.finished) this.options.onPartial?.(join(this.committed, rest));
    } catch (error) {
      if (!this.finished) this.options.onError?.(error);
    }
  }

  /**
   * The key is released: the audio since the last committed pause is heard
   * (a second or two), and the whole question returned.
   */
  async finish(): Promise<{ text: string; language?: Language }> {
    this.finished = true;
    // A run in progress on the tail would be redone with more audio: stop it.
    const running = this.running;
    if (running) {
      this.abort.abort();
      await running.catch(() => undefined);
    }
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
