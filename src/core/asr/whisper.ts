import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { GreffierError } from '../errors.js';
import { floatToInt16, loadAudioForWhisper, SAMPLE_RATE, wavStream } from '../audio/index.js';
import type { LanguageChoice, Transcript, TranscriptSegment } from '../../shared/transcript.js';
import { locateWhisperCli } from './engine.js';
import { checkVadModel, checkWhisperModel } from './model-file.js';
import { parseWhisperJson } from './whisper-json.js';
import { openResultPipe } from './result-pipe.js';
import { defaultThreads } from '../threads.js';
import { ENGINE_HINTS, failureReason, hostBesideCli, laneHost } from './whisper-host.js';

export interface TranscribeOptions {
  /** Path of a whisper.cpp ggml model. */
  model: string;
  language?: LanguageChoice;
  threads?: number;
  /** whisper.cpp's Silero VAD model: when given, silence is skipped (--vad). */
  vadModel?: string;
  /** Vocabulary hints, e.g. the members' names (whisper's initial prompt). */
  prompt?: string;
  /**
   * Encoder audio context (whisper's -ac, 1500 = 30 s). Live transcription of
   * short chunks uses a smaller value: the encoder cost falls with it.
   */
  audioContext?: number;
  /**
   * No temperature fallback (whisper's -nf): one greedy pass per window. Live
   * transcription wants it (no latency spikes when a window decodes poorly);
   * final passes keep the fallback for accuracy.
   */
  noFallback?: boolean;
  /**
   * Decoding of the final pass (see decoding.ts): 1 = greedy, more = beam
   * search with that many beams. Undefined: whisper-cli's own default (5).
   */
  beamSize?: number;
  /** Candidates sampled when a window falls back to a higher temperature (whisper's -bo). */
  bestOf?: number;
  /** false: whisper's -nfa (its cli turns flash attention on by default). */
  flashAttention?: boolean;
  /** The engine process once started: the scheduler freezes and thaws it. */
  onSpawn?: (child: ChildProcess) => void;
  signal?: AbortSignal;
  /** 0..100 as whisper reports it. */
  onProgress?: (percent: number) => void;
  /** whisper-cli's own log lines (stderr), for --verbose. */
  onLog?: (line: string) => void;
  /** The binary to run; located (GREFFIER_WHISPER_CLI, resources, engines/) when absent. */
  whisperCli?: string;
  /**
   * Samples in memory go to the whisper host of this lane (whisper-host.ts),
   * which keeps the model loaded across calls, instead of a whisper-cli
   * process per call. Lanes the scheduler runs at different priorities never
   * share a host (a frozen final window must not hold up live). `onSpawn` then
   * receives the host process for each call.
   */
  host?: 'final' | 'live' | 'question';
  /**
   * With a host: only the first encoder run (see HostRequest.carry). The run's
   * `stoppedMs` then says where decoding stopped, and the audio after it is the
   * caller's to send again with its next request.
   */
  carry?: { maxMs: number };
  /**
   * With a host: one segment of at most this many tokens (utteranceTokens).
   * whisper-cli has no such flag; without a host the run is not bounded.
   */
  maxTokens?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * The encoder context for a short live window: whisper's context is 1500
 * frames of 20 ms (30 s, so 50 a second); encoding only what the window needs
 * plus a margin of 64 frames (1.28 s, so the last words are not cut) cut the
 * encoder from 1.6 s to 0.26 s for a 5 s chunk at base dimensions. Final
 * passes keep the full 1500 (quality). The one formula for every live run.
 */
export function audioContextFor(durationMs: number): number {
  return Math.min(1500, Math.ceil(Math.max(0, durationMs) / 20) + 64);
}

/**
 * The most tokens one spoken utterance of this length can hold: fast French
 * speech is about 7 of whisper's tokens a second, so 12 a second and 8 more
 * never cut a real question. Whisper can fall into a repetition loop
 * (« merci merci merci… ») on noise and then decodes up to 224 tokens, which
 * on two cores costs close to a second the official waits for.
 */
export function utteranceTokens(durationMs: number): number {
  return Math.min(224, 8 + Math.ceil((12 * Math.max(0, durationMs)) / 1000));
}

/** whisper.cpp's own timings (ms), so benchmarks can report encoder and decoder apart. */
export interface WhisperTimings {
  loadMs?: number;
  melMs?: number;
  encodeMs?: number;
  encodeRuns?: number;
  decodeMs?: number;
  batchdMs?: number;
  promptMs?: number;
  totalMs?: number;
}

/** What whisper.cpp's VAD found, when --vad-model was given. */
export interface VadSummary {
  speechSegments: number;
  speechMs?: number;
}

export interface WhisperRun {
  transcript: Transcript;
  timings: WhisperTimings;
  vad?: VadSummary;
  /** A `carry` run that stopped early: where (ms in this audio); what follows was not decoded. */
  stoppedMs?: number;
}

export function parseVadSummary(lines: string[]): VadSummary | undefined {
  let summary: VadSummary | undefined;
  for (const line of lines) {
    const detected = /detected (\d+) speech segments/.exec(line);
    if (detected) summary = { speechSegments: Number(detected[1]) };
    const total = /total duration of speech segments: ([\d.]+) seconds/.exec(line);
    if (total && summary) summary.speechMs = Number(total[1]) * 1000;
  }
  // VAD on but no "detected" line: whisper found no speech at all.
  return summary;
}

export function parseWhisperTimings(lines: string[]): WhisperTimings {
  const timings: WhisperTimings = {};
  const fields: [RegExp, keyof WhisperTimings][] = [
    [/load time =\s*([\d.]+) ms/, 'loadMs'],
    [/mel time =\s*([\d.]+) ms/, 'melMs'],
    [/encode time =\s*([\d.]+) ms/, 'encodeMs'],
    [/decode time =\s*([\d.]+) ms/, 'decodeMs'],
    [/batchd time =\s*([\d.]+) ms/, 'batchdMs'],
    [/prompt time =\s*([\d.]+) ms/, 'promptMs'],
    [/total time =\s*([\d.]+) ms/, 'totalMs'],
  ];
  for (const line of lines) {
    for (const [pattern, key] of fields) {
      const match = pattern.exec(line);
      if (match) timings[key] = Number(match[1]);
    }
    const runs = /encode time =\s*[\d.]+ ms \/\s*(\d+) runs/.exec(line);
    if (runs) timings.encodeRuns = Number(runs[1]);
  }
  return timings;
}

function buildArgs(audioPath: string, outBase: string, options: TranscribeOptions): string[] {
  // "-f -": whisper-cli reads the WAV from its standard input.
  const args = [
    '-m',
    options.model,
    '-f',
    audioPath,
    '-l',
    options.language ?? 'auto',
    '-t',
    String(options.threads ?? defaultThreads()),
    '-ojf',
    '-of',
    outBase,
    '-pp',
  ];
  if (options.vadModel) args.push('--vad', '-vm', options.vadModel);
  if (options.prompt) args.push('--prompt', options.prompt);
  if (options.audioContext) args.push('-ac', String(options.audioContext));
  if (options.noFallback) args.push('-nf');
  if (options.beamSize !== undefined) args.push('-bs', String(options.beamSize));
  if (options.bestOf !== undefined) args.push('-bo', String(options.bestOf));
  if (options.flashAttention === false) args.push('-nfa');
  return args;
}

/**
 * What whisper-cli reads: a WAV file it can read as it is (16 kHz mono
 * 16-bit, the user's own file), or samples streamed to its standard input.
 */
type WhisperInput =
  { file: string; durationMs: number } | { pcm: AsyncIterable<Int16Array> | Iterable<Int16Array> };

/**
 * Streams samples into whisper's standard input as a WAV, one chunk at a
 * time, honouring back-pressure; each chunk's bytes are zeroed once written.
 * Returns the number of samples sent. whisper-cli reads the whole input
 * before it starts, so the count is known before its result.
 */
async function feed(
  stdin: Writable,
  pcm: AsyncIterable<Int16Array> | Iterable<Int16Array>,
): Promise<number> {
  let samples = 0;
  let first = true;
  for await (const bytes of wavStream(pcm)) {
    if (!first) samples += bytes.length / 2;
    first = false;
    await new Promise<void>((done, fail) => {
      stdin.write(bytes, (error) => (error ? fail(error) : done()));
    });
    bytes.fill(0);
  }
  await new Promise<void>((done) => stdin.end(done));
  return samples;
}

/**
 * Runs whisper-cli and returns the parsed result. Audio comes from a file
 * whisper can read as it is or through its standard input; the JSON result
 * comes back through a pipe (see result-pipe.ts): no audio or transcript is
 * written to disk on the way.
 */
async function runWhisperCli(input: WhisperInput, options: TranscribeOptions): Promise<WhisperRun> {
  options.signal?.throwIfAborted();
  const binary = options.whisperCli ?? locateWhisperCli(options.env);
  const result = await openResultPipe();
  const stderrLines: string[] = [];
  // The VAD summary comes first and the timings last: kept apart from the capped tail
  // so a long meeting's hundreds of log lines cannot push them out.
  const summaryLines: string[] = [];
  let fed: Promise<number> | undefined;
  try {
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        const audioPath = 'file' in input ? input.file : '-';
        // stdout repeats the transcript as text: not needed, so not piped.
        const notStarted = (error: Error) =>
          new GreffierError(
            'engine-missing',
            `whisper-cli could not be started from ${binary} (${(error as NodeJS.ErrnoException).code ?? error.message})`,
            { hint: ENGINE_HINTS.notStarted, cause: error },
          );
        let child: ReturnType<typeof spawn>;
        try {
          child = spawn(binary, buildArgs(audioPath, result.outBase, options), {
            stdio: ['file' in input ? 'ignore' : 'pipe', 'ignore', 'pipe'],
          });
        } catch (error) {
          // Some failures (e.g. ELOOP while the engine is being rebuilt) are thrown, not emitted.
          return reject(notStarted(error as Error));
        }
        options.onSpawn?.(child);
        if ('pcm' in input) {
          // whisper-cli may exit before reading everything (a bad model, a cancel): the
          // write then fails with EPIPE, and the exit code tells the real story.
          fed = feed(child.stdin!, input.pcm);
          fed.catch(() => undefined);
          child.stdin!.on('error', () => undefined);
        }
        let pending = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          pending += chunk.toString('utf8');
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            stderrLines.push(line);
            if (stderrLines.length > 400) stderrLines.splice(0, 100);
            if (/speech segments|time =/.test(line)) summaryLines.push(line);
            const progress = /progress =\s*(\d+)%/.exec(line);
            // Random or long decodes can report past 100: the caller gets a bounded figure.
            if (progress) options.onProgress?.(Math.min(100, Number(progress[1])));
            options.onLog?.(line);
          }
        });
        let killTimer: NodeJS.Timeout | undefined;
        const onAbort = () => {
          child.kill('SIGTERM');
          // A busy encoder may ignore SIGTERM for a while; do not wait on it forever.
          killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        child.on('error', (error) => {
          options.signal?.removeEventListener('abort', onAbort);
          result.processExited();
          reject(notStarted(error));
        });
        child.on('close', (code, signal) => {
          options.signal?.removeEventListener('abort', onAbort);
          if (killTimer) clearTimeout(killTimer);
          if (pending) stderrLines.push(pending);
          result.processExited();
          resolve({ code, signal });
        });
      },
    );
    if (options.signal?.aborted) {
      throw new GreffierError('cancelled', 'The transcription was cancelled', { exitCode: 1 });
    }
    if (exit.code !== 0) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      const illegal = exit.signal === 'SIGILL';
      throw new GreffierError(
        'engine-failed',
        `whisper-cli ${how}: ${failureReason(stderrLines)}`,
        {
          // whisper-cli also reads audio files, so its hint names the audio too.
          hint: illegal
            ? ENGINE_HINTS.illegal
            : 'check that the model is a whisper.cpp model and the audio a valid WAV; run with --verbose for the engine log',
        },
      );
    }
    // whisper.cpp runs a model cut short before its first tensor as an "empty model for
    // testing": a truncated download would silently give garbage, so it is refused here.
    if (stderrLines.some((l) => /no tensors loaded from model file/.test(l))) {
      throw new GreffierError(
        'model-damaged',
        `${options.model} holds no model weights (the file is cut short)`,
        { hint: ENGINE_HINTS.modelCut },
      );
    }
    const json = await result.text.catch(() => '');
    if (!json.trim()) {
      throw new GreffierError(
        'engine-output',
        `whisper-cli finished but wrote no result: ${failureReason(stderrLines)}`,
        { hint: 'run with --verbose to see the engine log' },
      );
    }
    const durationMs = 'file' in input ? input.durationMs : ((await fed!) / SAMPLE_RATE) * 1000;
    const parsed = parseWhisperJson(json);
    return {
      transcript: {
        language: parsed.language,
        durationMs,
        segments: clampToDuration(parsed.segments, durationMs),
      },
      timings: parseWhisperTimings(summaryLines),
      vad: options.vadModel
        ? (parseVadSummary(summaryLines) ?? { speechSegments: 0, speechMs: 0 })
        : undefined,
    };
  } finally {
    result.dispose();
  }
}

/**
 * whisper pads the last window to 30 s and a poor decode can place a
 * timestamp in that padding: no time may point past the end of the audio.
 */
export function clampToDuration(
  segments: TranscriptSegment[],
  durationMs: number,
): TranscriptSegment[] {
  const clamp = (ms: number) => Math.min(Math.max(0, ms), durationMs);
  return segments.map((segment) => ({
    ...segment,
    startMs: clamp(segment.startMs),
    endMs: clamp(segment.endMs),
    tokens: segment.tokens?.map((t) => ({
      ...t,
      startMs: clamp(t.startMs),
      endMs: clamp(t.endMs),
    })),
  }));
}

async function checkModels(options: TranscribeOptions): Promise<void> {
  await checkWhisperModel(options.model);
  if (options.vadModel) await checkVadModel(options.vadModel);
  if (
    options.threads !== undefined &&
    (!Number.isInteger(options.threads) || options.threads < 1)
  ) {
    throw new GreffierError(
      'usage',
      `threads must be a whole number of 1 or more, not ${options.threads}`,
      {
        exitCode: 2,
      },
    );
  }
}

/**
 * Whole-array input in one-second slices. feed() zeroes what it has written:
 * an array of our own (a conversion) is wiped in place, a caller's array is
 * copied slice by slice and left intact.
 */
function* slices(samples: Int16Array, ours: boolean): Generator<Int16Array> {
  for (let from = 0; from < samples.length; from += SAMPLE_RATE) {
    const to = Math.min(samples.length, from + SAMPLE_RATE);
    yield ours ? samples.subarray(from, to) : samples.slice(from, to);
  }
}

/**
 * Transcribes 16 kHz mono samples (16-bit, or floats -1..1): they go to
 * whisper-cli on its standard input, never through a file.
 */
export async function transcribePcmDetailed(
  samples: Float32Array | Int16Array,
  options: TranscribeOptions,
): Promise<WhisperRun> {
  await checkModels(options);
  const ours = !(samples instanceof Int16Array);
  const pcm = samples instanceof Int16Array ? samples : floatToInt16(samples);
  if (options.host) return runOnHost(pcm, ours, options.host, options);
  return runWhisperCli({ pcm: slices(pcm, ours) }, options);
}

/**
 * One window through the lane's whisper host: the same flags as whisper-cli,
 * the same JSON shape back, the same timings and VAD summary, without a
 * process start and a model load per window.
 */
async function runOnHost(
  pcm: Int16Array,
  ours: boolean,
  lane: NonNullable<TranscribeOptions['host']>,
  options: TranscribeOptions,
): Promise<WhisperRun> {
  options.signal?.throwIfAborted();
  const binary = hostBesideCli(options.whisperCli ?? locateWhisperCli(options.env));
  const host = laneHost(lane, {
    binary,
    model: options.model,
    ...(options.vadModel ? { vadModel: options.vadModel } : {}),
    ...(options.flashAttention === false ? { flashAttention: false } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  let reply;
  try {
    reply = await host.transcribe(
      pcm,
      {
        language: options.language ?? 'auto',
        threads: options.threads ?? defaultThreads(),
        ...(options.prompt ? { prompt: options.prompt } : {}),
        ...(options.audioContext ? { audioContext: options.audioContext } : {}),
        ...(options.beamSize !== undefined ? { beamSize: options.beamSize } : {}),
        ...(options.bestOf !== undefined ? { bestOf: options.bestOf } : {}),
        ...(options.noFallback ? { noFallback: true } : {}),
        ...(options.carry ? { carry: true, carryMaxMs: options.carry.maxMs } : {}),
        ...(options.maxTokens ? { maxTokens: options.maxTokens } : {}),
      },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
        ...(options.onLog ? { onLog: options.onLog } : {}),
      },
    );
  } finally {
    // A conversion of our own is wiped; the caller's array is theirs.
    if (ours) pcm.fill(0);
  }
  const durationMs = (pcm.length / SAMPLE_RATE) * 1000;
  const parsed = parseWhisperJson(reply.json);
  const timings = parseWhisperTimings(reply.log);
  // The model was loaded by an earlier call unless this one started the host.
  if (!reply.started) delete timings.loadMs;
  return {
    transcript: {
      language: parsed.language,
      durationMs,
      segments: clampToDuration(parsed.segments, durationMs),
    },
    timings,
    vad: options.vadModel
      ? (parseVadSummary(reply.log) ?? { speechSegments: 0, speechMs: 0 })
      : undefined,
    ...(options.carry ? carriedStop(reply.json, durationMs) : {}),
  };
}

/** Where a carry request stopped, from the host's reply (absent: it decoded to the end). */
function carriedStop(json: string, durationMs: number): { stoppedMs?: number } {
  const stop = (JSON.parse(json) as { carry?: { stopMs?: unknown } }).carry?.stopMs;
  return typeof stop === 'number' && stop > 0 && stop < durationMs ? { stoppedMs: stop } : {};
}

export async function transcribePcm(
  samples: Float32Array | Int16Array,
  options: TranscribeOptions,
): Promise<Transcript> {
  return (await transcribePcmDetailed(samples, options)).transcript;
}

/**
 * Transcribes a stream of 16 kHz mono 16-bit chunks (a meeting's decrypted
 * journal) without ever holding it whole: each chunk goes to whisper-cli's
 * standard input as it comes and is zeroed once written. Throws "no-audio"
 * when the stream is empty.
 */
export async function transcribeStreamDetailed(
  chunks: AsyncIterable<Int16Array>,
  options: TranscribeOptions & { what?: string },
): Promise<WhisperRun> {
  await checkModels(options);
  // The first chunk is read before whisper starts, so an empty meeting fails clearly.
  const iterator = chunks[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (!first.done && first.value.length === 0) first = await iterator.next();
  if (first.done) {
    throw new GreffierError(
      'no-audio',
      `${options.what ?? 'the audio'} has no audio to transcribe`,
      {
        hint: 'record or import audio first',
      },
    );
  }
  const head = first.value;
  async function* all(): AsyncGenerator<Int16Array> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const stream = all();
  try {
    return await runWhisperCli({ pcm: stream }, options);
  } finally {
    // Stops the journal's decryption when whisper ended early.
    await stream.return(undefined);
    await iterator.return?.();
  }
}

/**
 * Transcribes a WAV file. A 16 kHz mono 16-bit file goes to whisper as it
 * is (whisper reads the user's own file); anything else is converted in
 * memory and handed over on whisper's standard input. The audio is checked
 * before the engine starts.
 */
export async function transcribeFileDetailed(
  path: string,
  options: TranscribeOptions,
): Promise<WhisperRun> {
  // Models first: a wrong path should not wait for an hour of audio to be read.
  await checkModels(options);
  const audio = await loadAudioForWhisper(path);
  if (audio.pcm) return runWhisperCli({ pcm: slices(audio.pcm, true) }, options);
  // Absolute, so a file named "-" is never taken for whisper-cli's standard input.
  return runWhisperCli({ file: resolve(path), durationMs: audio.durationMs }, options);
}

export async function transcribeFile(
  path: string,
  options: TranscribeOptions,
): Promise<Transcript> {
  return (await transcribeFileDetailed(path, options)).transcript;
}
