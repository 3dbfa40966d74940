import { basename } from 'node:path';
import { concatInt16, SAMPLE_RATE } from '../audio/index.js';
import {
  decodingKey,
  decodingOptions,
  DEFAULT_FINAL_DECODING,
  transcribePcmDetailed,
  WindowCutter,
  PLAIN_WINDOWS,
  VAD_WINDOWS,
  type AudioWindow,
  type FinalDecoding,
  type TranscribeOptions,
} from '../asr/index.js';
import { setPriority, constants } from 'node:os';
import { CAN_PAUSE_PROCESSES, pausableProcess, Scheduler } from '../scheduler/index.js';
import { MeetingSegmentSchema, type MeetingSegment } from '../../shared/transcript.js';
import type { Meetings } from './meetings.js';
import { sealedWindow, sealWindow, windowBlobName } from './sealed-windows.js';

/**
 * The final-quality pass, window by window: the meeting's audio is cut into
 * ~30 s windows at pauses (asr/windows.ts) and each goes through whisper with
 * its full audio context and the chosen decoding, as a 'final' task of the
 * scheduler (paused whenever live transcription or a question needs the
 * cores). During a recording the windows are fed as the audio is journalled,
 * so at stop only the tail remains; an import or a restarted pass feeds them
 * from the journal. Each window's lines are sealed in the vault as soon as
 * they are known, so after a crash only the windows not yet done are redone.
 *
 * Segment ids are the window's number and the line's place in it
 * (w0003-02): a line keeps its id from the moment it is shown to the moment
 * the transcript is stored, so notes citing it during the meeting stay right.
 *
 * The tail carried: whisper decodes a window's first 30 s and, when its
 * decoding stops before the window's end (at the last timestamp), would seek
 * there and pay a whole encoder run for the few seconds left. The host is
 * asked for the first run only ("carry"); the tail it did not decode goes at
 * the front of the next window's request (its lines belong to that window),
 * as whisper-cli on the whole file would carry on into the next speech. The
 * last window of a meeting is sent without carry, so nothing is dropped, and
 * a tail over CARRY_MAX_MS is decoded where it is. Where each window's
 * request began and where its decoding stopped are sealed with its lines, so
 * a restarted pass rebuilds the next request with the same tail.
 */

/** A longer undecoded tail is decoded in its own window (a second encoder run) rather than carried. */
export const CARRY_MAX_MS = 20_000;

export { windowBlobName };

export function segmentId(window: number, line: number): string {
  return `w${String(window + 1).padStart(4, '0')}-${String(line + 1).padStart(2, '0')}`;
}

/** A window done: its lines, with times from the meeting start. */
export interface FinalWindow {
  index: number;
  /** The audio this window's lines cover (decoded), from the meeting start: a carried tail included, the tail it handed on excluded. */
  fromMs: number;
  toMs: number;
  /** Audio after `toMs` handed to the next window undecoded (0: none). */
  carriedMs: number;
  /** whisper's encoder runs for this window (absent when reused). */
  encodeRuns?: number;
  language: string;
  segments: MeetingSegment[];
  /** Taken from the vault (done before a restart) rather than transcribed now. */
  reused: boolean;
}

export interface FinalPassOptions extends Omit<TranscribeOptions, 'onProgress' | 'audioContext'> {
  scheduler?: Scheduler;
  decoding?: FinalDecoding;
  /** Each window as it is done, in order. */
  onWindow?: (window: FinalWindow) => void;
  /** Audio done (windows complete) and the total when known, in ms. */
  onProgress?: (progress: { doneMs: number; totalMs?: number; etaMs?: number }) => void;
  /** The meeting's length, when known (an import, a replay), for progress and ETA. */
  totalMs?: number;
}

export interface FinalPassFigures {
  transcribed: number;
  reused: number;
  /** Audio transcribed in this process, ms, and the wall time its windows took (for ETA). */
  transcribedMs: number;
  wallMs: number;
  /** whisper's own time for those windows (its "total time") and its encoder runs (benches). */
  whisperMs: number;
  encodeRuns: number;
  /** Windows whose undecoded tail went to the next window's request. */
  carried: number;
}

export class FinalPass {
  readonly #cutter: WindowCutter;
  readonly #scheduler: Scheduler;
  readonly #decoding: FinalDecoding;
  readonly #engine: string;
  #chain: Promise<void> = Promise.resolve();
  #queued = 0;
  #drained: (() => void)[] = [];
  #failure: unknown;
  readonly #windows: FinalWindow[] = [];
  readonly figures: FinalPassFigures = {
    transcribed: 0,
    reused: 0,
    transcribedMs: 0,
    wallMs: 0,
    whisperMs: 0,
    encodeRuns: 0,
    carried: 0,
  };
  #doneSamples = 0;
  /** The undecoded tail of the window before (meeting-absolute first sample), for the next request. */
  #carry: { from: number; samples: Int16Array } | undefined;
  #nextIndex = 0;

  constructor(
    private readonly meetings: Meetings,
    private readonly meetingId: string,
    private readonly options: FinalPassOptions,
  ) {
    this.#cutter = new WindowCutter(options.vadModel ? VAD_WINDOWS : PLAIN_WINDOWS);
    this.#scheduler = options.scheduler ?? new Scheduler();
    this.#decoding = options.decoding ?? DEFAULT_FINAL_DECODING;
    this.#engine = `${basename(options.model)}:${decodingKey(this.#decoding)}${options.vadModel ? '+vad' : ''}`;
  }

  /** Samples as journalled; complete windows are queued for the final pass. */
  push(samples: Int16Array): void {
    for (const window of this.#cutter.push(samples)) this.#enqueue(window, false);
  }

  /** Windows waiting or running: a reader faster than whisper waits on `ready()`. */
  get queued(): number {
    return this.#queued;
  }

  /** Resolves once at most `max` windows wait: memory stays at a couple of windows. */
  async ready(max = 1): Promise<void> {
    while (this.#queued > max) await new Promise<void>((done) => this.#drained.push(done));
    if (this.#failure) throw this.#failure;
  }

  /** Audio not yet in a window (the tail the pass still owes), ms. */
  get pendingMs(): number {
    return (
      ((this.#cutter.pendingSamples + (this.#carry?.samples.length ?? 0)) / SAMPLE_RATE) * 1000
    );
  }

  /**
   * The end of the audio: the tail becomes the last window, and the lines of
   * every window come back in order once all are done.
   */
  async finish(): Promise<FinalWindow[]> {
    const tail = this.#cutter.flush();
    // The last window decodes to the end: no next request would take its tail.
    if (tail) this.#enqueue(tail, true);
    await this.#chain;
    if (this.#carry && !this.#failure) {
      // The audio ended exactly at a cut after a window that carried: its tail is a window of its own.
      this.#enqueue(
        {
          index: this.#nextIndex,
          from: this.#carry.from + this.#carry.samples.length,
          samples: new Int16Array(0),
        },
        true,
      );
      await this.#chain;
    }
    if (this.#failure) throw this.#failure;
    return this.#windows;
  }

  /** Removes the per-window lines once the transcript is stored (they would outlive a correction). */
  async forget(): Promise<void> {
    for (const window of this.#windows) {
      await this.meetings.vault.deleteMeetingBlob(this.meetingId, windowBlobName(window.index));
    }
  }

  #enqueue(window: AudioWindow, last: boolean): void {
    this.#queued++;
    this.#nextIndex = window.index + 1;
    this.#chain = this.#chain
      .then(async () => {
        if (this.#failure) return;
        try {
          const done = await this.#window(window, last);
          this.#windows.push(done);
          this.#doneSamples = Math.round((done.toMs / 1000) * SAMPLE_RATE);
          this.options.onWindow?.(done);
          this.#progress();
        } catch (error) {
          this.#failure = error;
        } finally {
          window.samples.fill(0);
        }
      })
      .finally(() => {
        this.#queued--;
        for (const wake of this.#drained.splice(0)) wake();
      });
  }

  #progress(): void {
    const doneMs = (this.#doneSamples / SAMPLE_RATE) * 1000;
    const { totalMs } = this.options;
    const rate =
      this.figures.transcribedMs > 0 ? this.figures.wallMs / this.figures.transcribedMs : undefined;
    this.options.onProgress?.({
      doneMs,
      ...(totalMs === undefined ? {} : { totalMs }),
      ...(totalMs !== undefined && rate !== undefined
        ? { etaMs: Math.max(0, totalMs - doneMs) * rate }
        : {}),
    });
  }

  async #window(window: AudioWindow, last: boolean): Promise<FinalWindow> {
    // The request: the tail the window before did not decode, then this window.
    const carried = this.#carry;
    this.#carry = undefined;
    const from = carried?.from ?? window.from;
    const end = window.from + window.samples.length;
    const request = carried
      ? concatInt16([carried.samples, window.samples])
      : window.samples.slice();
    carried?.samples.fill(0);
    try {
      const saved = await sealedWindow(this.meetings, this.meetingId, window, from, this.#engine);
      if (saved) {
        this.figures.reused++;
        const stop = this.#handOn(request, from, saved.carryTo);
        return this.#done(window, from, stop, end, saved.language, saved.segments, true);
      }
      return await this.#transcribe(window, request, from, end, last);
    } finally {
      request.fill(0);
    }
  }

  /** Keeps the request's undecoded tail [stop, end) for the next window; returns where decoding stopped. */
  #handOn(request: Int16Array, from: number, stop: number | undefined): number {
    const end = from + request.length;
    if (stop === undefined || stop <= from || stop >= end) return end;
    this.#carry = { from: stop, samples: request.slice(stop - from) };
    return stop;
  }

  #done(
    window: AudioWindow,
    from: number,
    stop: number,
    end: number,
    language: string,
    segments: MeetingSegment[],
    reused: boolean,
    encodeRuns?: number,
  ): FinalWindow {
    const ms = (at: number) => (at / SAMPLE_RATE) * 1000;
    return {
      index: window.index,
      fromMs: ms(from),
      toMs: ms(stop),
      carriedMs: ms(end - stop),
      ...(encodeRuns === undefined ? {} : { encodeRuns }),
      language,
      segments,
      reused,
    };
  }

  async #transcribe(
    window: AudioWindow,
    request: Int16Array,
    from: number,
    end: number,
    last: boolean,
  ): Promise<FinalWindow> {
    const fromMs = (from / SAMPLE_RATE) * 1000;
    const started = performance.now();
    const {
      scheduler: _scheduler,
      decoding: _decoding,
      onWindow: _onWindow,
      onProgress: _onProgress,
      totalMs: _totalMs,
      ...engine
    } = this.options;
    const run = await this.#scheduler.run(
      'final',
      (task) =>
        transcribePcmDetailed(request, {
          ...engine,
          ...decodingOptions(this.#decoding),
          // One loaded model for every window (whisper-host.ts): no process start and
          // model load per ~30 s window. onSpawn below gets the host for each window.
          host: 'final',
          // Only the first encoder run; a tail left undecoded goes to the next window.
          ...(last ? {} : { carry: { maxMs: CARRY_MAX_MS } }),
          signal: this.options.signal
            ? AbortSignal.any([this.options.signal, task.signal])
            : task.signal,
          onSpawn: (child) => {
            task.hold(pausableProcess(child));
            // Where it cannot be frozen, the system at least favours the live transcript over it.
            if (!CAN_PAUSE_PROCESSES && child.pid) lowerPriority(child.pid);
            this.options.onSpawn?.(child);
          },
        }),
      {
        // Frozen while urgent work runs. Where processes cannot be frozen (Windows) a window is
        // not restarted (live runs every few seconds: it would never finish): it goes on at
        // the lowest priority instead.
        preemption: 'pause',
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        label: `window ${window.index}`,
      },
    );
    const stopAt =
      run.stoppedMs === undefined
        ? undefined
        : from + Math.round((run.stoppedMs / 1000) * SAMPLE_RATE);
    const stop = this.#handOn(request, from, stopAt);
    if (stop < end) this.figures.carried++;
    this.figures.transcribed++;
    this.figures.transcribedMs += ((stop - from) / SAMPLE_RATE) * 1000;
    this.figures.wallMs += performance.now() - started;
    this.figures.whisperMs += run.timings.totalMs ?? 0;
    this.figures.encodeRuns += run.timings.encodeRuns ?? 0;
    const segments = run.transcript.segments
      .filter((segment) => segment.text.trim().length > 0)
      .map((segment, line) =>
        MeetingSegmentSchema.parse({
          ...segment,
          id: segmentId(window.index, line),
          text: segment.text.trim(),
          startMs: Math.round(fromMs + segment.startMs),
          endMs: Math.round(fromMs + segment.endMs),
          ...(segment.tokens
            ? {
                tokens: segment.tokens.map((t) => ({
                  ...t,
                  startMs: Math.round(fromMs + t.startMs),
                  endMs: Math.round(fromMs + t.endMs),
                })),
              }
            : {}),
        }),
      );
    const language = run.transcript.language;
    await sealWindow(this.meetings, this.meetingId, {
      index: window.index,
      from: window.from,
      samples: window.samples.length,
      engine: this.#engine,
      language,
      segments,
      ...(from < window.from ? { carryFrom: from } : {}),
      ...(stop < end ? { carryTo: stop } : {}),
    });
    return this.#done(
      window,
      from,
      stop,
      end,
      language,
      segments,
      false,
      run.timings.encodeRuns ?? 0,
    );
  }
}

/** The whole transcript from the windows, in order, with the language heard most. */
export function joinWindows(windows: FinalWindow[]): {
  language: string;
  segments: MeetingSegment[];
} {
  const heard = new Map<string, number>();
  for (const w of windows) {
    const ms = w.segments.reduce((sum, s) => sum + (s.endMs - s.startMs), 0);
    heard.set(w.language, (heard.get(w.language) ?? 0) + ms);
  }
  const language = [...heard.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'auto';
  return { language, segments: windows.flatMap((w) => w.segments) };
}

function lowerPriority(pid: number): void {
  try {
    setPriority(pid, constants.priority.PRIORITY_LOW);
  } catch {
    // Not allowed here or already gone: it runs at normal priority.
  }
}
