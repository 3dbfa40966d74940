import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GreffierError } from '../errors.js';
import { encodeWav16, loadAudioForWhisper, WHISPER_SAMPLE_RATE } from '../audio/index.js';
import { privateTempPath, removeQuietly } from '../tempfiles.js';
import type { LanguageChoice, Transcript, TranscriptSegment } from '../../shared/transcript.js';
import { locateWhisperCli } from './engine.js';
import { checkVadModel, checkWhisperModel } from './model-file.js';
import { parseWhisperJson } from './whisper-json.js';
import { defaultThreads } from '../threads.js';

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
  signal?: AbortSignal;
  /** 0..100 as whisper reports it. */
  onProgress?: (percent: number) => void;
  /** whisper-cli's own log lines (stderr), for --verbose. */
  onLog?: (line: string) => void;
  /** The binary to run; located (GREFFIER_WHISPER_CLI, resources, engines/) when absent. */
  whisperCli?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The encoder context for a short live chunk: whisper's context is 1500
 * frames of 20 ms (30 s); encoding only what the chunk needs (plus a margin)
 * cut the encoder from 1.6 s to 0.26 s for a 5 s chunk at base dimensions.
 * Final passes keep the full 1500 (quality).
 */
export function audioContextFor(durationMs: number): number {
  return Math.min(1500, Math.max(64, Math.ceil(durationMs / 20) + 32));
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

/** The line most worth showing when whisper-cli fails. */
function failureReason(lines: string[]): string {
  const meaningful = [...lines]
    .reverse()
    .find((l) => /error|failed|invalid|illegal|abort|what\(\)/i.test(l));
  return (meaningful ?? lines.at(-1) ?? 'no output').trim();
}

function buildArgs(audioPath: string, outBase: string, options: TranscribeOptions): string[] {
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
  return args;
}

/**
 * Runs whisper-cli on a WAV file whisper can read as it is (16 kHz mono
 * 16-bit) and returns the parsed result. The JSON is written to the private
 * temporary folder and removed at once.
 */
async function runWhisperCli(
  audioPath: string,
  durationMs: number,
  options: TranscribeOptions,
): Promise<WhisperRun> {
  options.signal?.throwIfAborted();
  const binary = options.whisperCli ?? locateWhisperCli(options.env);
  const outBase = privateTempPath();
  const jsonPath = `${outBase}.json`;
  const stderrLines: string[] = [];
  // The VAD summary comes first and the timings last: kept apart from the capped tail
  // so a long meeting's hundreds of log lines cannot push them out.
  const summaryLines: string[] = [];
  try {
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        // stdout repeats the transcript as text: not needed, so not piped.
        const child = spawn(binary, buildArgs(audioPath, outBase, options), {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let pending = '';
        child.stderr.on('data', (chunk: Buffer) => {
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
          const code = (error as NodeJS.ErrnoException).code;
          reject(
            new GreffierError(
              'engine-missing',
              `whisper-cli could not be started from ${binary} (${code ?? error.message})`,
              { hint: 'run "npm run build:whisper" to build it again', cause: error },
            ),
          );
        });
        child.on('close', (code, signal) => {
          options.signal?.removeEventListener('abort', onAbort);
          if (killTimer) clearTimeout(killTimer);
          if (pending) stderrLines.push(pending);
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
          hint: illegal
            ? 'this CPU lacks an instruction the engine was built for: rebuild on this PC with "greffier engine build", or install a build made for older CPUs'
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
        { hint: 'fetch or copy the model again and check its SHA-256 against the catalogue' },
      );
    }
    let json: string;
    try {
      json = (await readFile(jsonPath)).toString('utf8');
    } catch (error) {
      throw new GreffierError(
        'engine-output',
        `whisper-cli finished but wrote no result: ${failureReason(stderrLines)}`,
        { hint: 'run with --verbose to see the engine log', cause: error },
      );
    }
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
    removeQuietly(jsonPath);
  }
}

/**
 * whisper pads the last window to 30 s and a poor decode can place a
 * timestamp in that padding: no time may point past the end of the audio.
 */
function clampToDuration(segments: TranscriptSegment[], durationMs: number): TranscriptSegment[] {
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
 * Transcribes 16 kHz mono samples: they are written as a WAV to the private
 * temporary folder for whisper to read, and removed right after.
 */
export async function transcribePcmDetailed(
  samples: Float32Array,
  options: TranscribeOptions,
): Promise<WhisperRun> {
  await checkModels(options);
  const wavPath = privateTempPath('.wav');
  try {
    await writeFile(wavPath, encodeWav16(samples, WHISPER_SAMPLE_RATE), { mode: 0o600 });
    return await runWhisperCli(wavPath, (samples.length / WHISPER_SAMPLE_RATE) * 1000, options);
  } finally {
    removeQuietly(wavPath);
  }
}

export async function transcribePcm(
  samples: Float32Array,
  options: TranscribeOptions,
): Promise<Transcript> {
  return (await transcribePcmDetailed(samples, options)).transcript;
}

/**
 * Transcribes a WAV file. A 16 kHz mono 16-bit file goes to whisper as it
 * is; anything else is converted in memory and handed over through the
 * private temporary folder. The audio is checked before the engine starts.
 */
export async function transcribeFileDetailed(
  path: string,
  options: TranscribeOptions,
): Promise<WhisperRun> {
  // Models first: a wrong path should not wait for an hour of audio to be read.
  await checkModels(options);
  const audio = await loadAudioForWhisper(path);
  if (audio.pcm) return transcribePcmDetailed(audio.pcm, options);
  // Absolute, so a file named "-" is never taken for whisper-cli's standard input.
  return runWhisperCli(resolve(path), audio.durationMs, options);
}

export async function transcribeFile(
  path: string,
  options: TranscribeOptions,
): Promise<Transcript> {
  return (await transcribeFileDetailed(path, options)).transcript;
}
