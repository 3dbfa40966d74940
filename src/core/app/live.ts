import type { LanguageChoice, MeetingSegment, TranscriptSegment } from '../../shared/transcript.js';
import { rms, SAMPLE_RATE } from '../audio/index.js';
import { audioContextFor, PREVIEW_DECODING, transcribePcmDetailed } from '../asr/index.js';
import type { Scheduler } from '../scheduler/index.js';

export interface LiveOptions {
  model: string;
  language: LanguageChoice;
  /** Called with new lines, times relative to the meeting start. */
  onSegments(segments: TranscriptSegment[]): void;
  onError?(error: unknown): void;
  /** After each whisper run: how much audio it took and how long from its last sample to lines. */
  onWindowDone?(info: {
    windowMs: number;
    latencyMs: number;
    lines: number;
    /** whisper's own figures for this run (ms), to tell our cost from the engine's. */
    whisperTotalMs?: number;
    encodeMs?: number;
  }): void;
  threads?: number;
  whisperCli?: string;
  /** The engines' scheduler: live runs come first, the final pass and notes pause for them. */
  scheduler?: Scheduler;
}

/** Transcribe at the latest once this much new audio is waiting… */
const MAX_WAIT_MS = 4_000;
/** …or sooner, at a pause, once at least this much is waiting. */
const MIN_PHRASE_MS = 1_500;
const PAUSE_MS = 400;
const SILENCE_RMS = 0.01;
/** Whisper's window is 30 s: never hand it more at once. */
const MAX_WINDOW_MS = 28_000;

/**
 * The live transcript during a recording: whisper.cpp runs on the audio
 * gathered since the last run, at a pause or every few seconds, one run at a
 * time (a slow run makes the next window longer, never two engines at once).
 * The final pass after stop replaces these lines; they are a preview.
 */
export class LiveTranscriber {
  private pending: Int16Array[] = [];
  private pendingSamples = 0;
  /** Where the pending audio starts, in samples since the meeting start. */
  private windowStart = 0;
  private running: Promise<void> | undefined;
  private silentSamples = 0;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: LiveOptions) {}

  push(samples: Int16Array): void {
    if (this.stopped) return;
    this.pending.push(samples);
    this.pendingSamples += samples.length;
    this.silentSamples = isSilent(samples) ? this.silentSamples + samples.length : 0;
    this.maybeRun();
  }

  private maybeRun(): void {
    if (this.running) return;
    const pendingMs = (this.pendingSamples / SAMPLE_RATE) * 1000;
    const atPause =
      (this.silentSamples / SAMPLE_RATE) * 1000 >= PAUSE_MS && pendingMs >= MIN_PHRASE_MS;
    if (pendingMs >= MAX_WAIT_MS || atPause)
      this.running = this.run().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.maybeRun();
      });
  }

  private async run(): Promise<void> {
    const take = Math.min(this.pendingSamples, (MAX_WINDOW_MS / 1000) * SAMPLE_RATE);
    // 16-bit as the microphone sent it, straight to whisper's standard input: no float round trip.
    const window = new Int16Array(take);
    let filled = 0;
    while (filled < take && this.pending.length > 0) {
      const chunk = this.pending[0]!;
      const need = take - filled;
      const part = chunk.length <= need ? chunk : chunk.subarray(0, need);
      window.set(part, filled);
      filled += part.length;
      if (part.length === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(need);
    }
    this.pendingSamples -= take;
    const offsetMs = (this.windowStart / SAMPLE_RATE) * 1000;
    this.windowStart += take;
    if (isSilent(window)) return;
    const started = performance.now();
    try {
      const transcribe = () =>
        transcribePcmDetailed(window, {
          model: this.options.model,
          language: this.options.language,
          audioContext: audioContextFor((take / SAMPLE_RATE) * 1000),
          // A preview must come fast: greedy, no temperature fallback (the final pass decides).
          ...PREVIEW_DECODING,
          // The model stays loaded between chunks (whisper-host.ts): no start and load per chunk.
          // Its own lane: a frozen final-pass window never holds up the live transcript.
          host: 'live',
          signal: this.abort.signal,
          ...(this.options.threads ? { threads: this.options.threads } : {}),
          ...(this.options.whisperCli ? { whisperCli: this.options.whisperCli } : {}),
        });
      const { scheduler } = this.options;
      const { transcript, timings } = scheduler
        ? await scheduler.run('live', transcribe, { signal: this.abort.signal })
        : await transcribe();
      const lines = transcript.segments
        .filter((segment) => segment.text.trim().length > 0)
        .map((segment) => ({
          startMs: Math.round(offsetMs + segment.startMs),
          endMs: Math.round(offsetMs + segment.endMs),
          text: segment.text.trim(),
          ...(segment.confidence === undefined ? {} : { confidence: segment.confidence }),
        }));
      if (lines.length > 0 && !this.stopped) this.options.onSegments(lines);
      this.options.onWindowDone?.({
        windowMs: (take / SAMPLE_RATE) * 1000,
        latencyMs: performance.now() - started,
        lines: lines.length,
        ...(timings.totalMs === undefined ? {} : { whisperTotalMs: timings.totalMs }),
        ...(timings.encodeMs === undefined ? {} : { encodeMs: timings.encodeMs }),
      });
    } catch (error) {
      if (!this.stopped) this.options.onError?.(error);
    }
  }

  /** Stops for good: the final pass after stop does the real transcript. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }
}

function isSilent(samples: Int16Array): boolean {
  return samples.length === 0 || rms(samples) < SILENCE_RMS;
}

/** Who spoke: the last speaker the clerk marked before the middle of the segment. */
export function speakerAt(
  turns: { atMs: number; speakerId: string }[],
  segment: { startMs: number; endMs: number },
): string | undefined {
  const middle = (segment.startMs + segment.endMs) / 2;
  let speaker: string | undefined;
  for (const turn of turns) {
    if (turn.atMs <= middle) speaker = turn.speakerId;
    else break;
  }
  return speaker;
}

export function withSpeakers<T extends { startMs: number; endMs: number }>(
  segments: T[],
  turns: { atMs: number; speakerId: string }[],
): (T & { speakerId?: string })[] {
  const sorted = [...turns].sort((a, b) => a.atMs - b.atMs);
  return segments.map((segment) => {
    const speakerId = speakerAt(sorted, segment);
    return speakerId ? { ...segment, speakerId } : segment;
  });
}

export type LiveSegment = MeetingSegment;
