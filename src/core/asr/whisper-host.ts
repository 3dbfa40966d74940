import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { GreffierError } from '../errors.js';
import { WHISPER_HOST_NAME } from './engine.js';

/**
 * The client of our whisper host (native/whisper-host): one process that
 * loads a model (and the Silero VAD model) once and transcribes window after
 * window sent on its standard input, so a 1-hour pass pays one process start
 * and one model load instead of one per ~30 s window. Requests are queued and
 * go one at a time; the samples travel through the pipe and are zeroed here
 * once written (nothing is written to disk). A cancel kills the process (a
 * window cannot be interrupted otherwise); the next request starts a new one.
 * After `idleMs` without work the host exits, and while idle it never keeps
 * a Node process (the CLI) alive.
 */

/** What the host needs to load: a different one is a different host. */
export interface HostModels {
  /** The whisper host binary; by default the one beside whisper-cli. */
  binary: string;
  model: string;
  vadModel?: string;
  /** false: the model is loaded without flash attention (whisper's -nfa). */
  flashAttention?: boolean;
}

/** One window's decoding, as whisper-cli's flags would say it (see buildArgs in whisper.ts). */
export interface HostRequest {
  language: string;
  threads: number;
  prompt?: string;
  audioContext?: number;
  /** whisper-cli's default is 5 (beam search). */
  beamSize?: number;
  bestOf?: number;
  noFallback?: boolean;
  /**
   * Only the first encoder run: when decoding stops before the end of the audio the
   * host stops there and its reply says where ("carry":{"stopMs"}), so the caller
   * sends that tail again at the front of its next request instead of paying a
   * whole encoder run for it. Never when the tail is over `carryMaxMs`.
   */
  carry?: boolean;
  carryMaxMs?: number;
  /** One segment of at most this many tokens (a spoken question; see utteranceTokens). */
  maxTokens?: number;
}

export interface HostCallbacks {
  signal?: AbortSignal;
  /** The host process doing this request (each request, started or reused): the scheduler freezes it. */
  onSpawn?: (child: ChildProcess) => void;
  /** The host's log lines while this request runs. */
  onLog?: (line: string) => void;
}

/** The host's answer: its JSON line (whisper-cli's -ojf shape) and the timing and VAD lines. */
export interface HostReply {
  json: string;
  log: string[];
  /** This request started the process (its model load counts in its time). */
  started: boolean;
}

export interface WhisperHostOptions extends HostModels {
  /** The host exits after this long without a request (default 60 s). */
  idleMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * One host per lane (the final pass, live transcription, a spoken question):
 * lanes never share a process, because the scheduler freezes a lane's host
 * while more urgent work runs on another. A lane asked for another model
 * closes its old host.
 */
const lanes = new Map<string, { key: string; host: WhisperHost }>();

export function laneHost(lane: string, options: WhisperHostOptions): WhisperHost {
  const key = JSON.stringify([
    options.binary,
    options.model,
    options.vadModel ?? '',
    options.flashAttention !== false,
  ]);
  const current = lanes.get(lane);
  if (current?.key === key) return current.host;
  current?.host.close();
  const host = new WhisperHost(options);
  lanes.set(lane, { key, host });
  return host;
}

/** Host processes a lane has started so far (benches and tests: one per pass is the point). */
export function laneHostStarts(lane: string): number {
  return lanes.get(lane)?.host.starts ?? 0;
}

/** The pid of a lane's running host, if any (benches read its CPU time). */
export function laneHostPid(lane: string): number | undefined {
  return lanes.get(lane)?.host.pid;
}

/** Ends every lane's host (they would also exit on their own after their idle time). */
export function closeWhisperHosts(): void {
  for (const { host } of lanes.values()) host.close();
  lanes.clear();
}

/** The whisper host binary that sits beside a whisper-cli (built by the same configure). */
export function hostBesideCli(whisperCli: string): string {
  const host = join(dirname(whisperCli), WHISPER_HOST_NAME);
  if (existsSync(host)) return host;
  throw new GreffierError('engine-missing', `The whisper host is not built beside ${whisperCli}`, {
    hint: 'run "npm run build:whisper" (or "greffier engine build") to build it with whisper-cli',
  });
}

/** What to do when the engine fails: said the same by whisper-cli's path (whisper.ts) and the host's. */
export const ENGINE_HINTS = {
  failed: 'check that the model is a whisper.cpp model; run with --verbose for the engine log',
  illegal:
    'this CPU lacks an instruction the engine was built for: rebuild on this PC with "greffier engine build", or install a build made for older CPUs',
  notStarted: 'run "npm run build:whisper" to build it again',
  modelCut: 'fetch or copy the model again and check its SHA-256 against the catalogue',
} as const;
const ENGINE_HINT = ENGINE_HINTS.failed;

interface Job {
  pcm: Int16Array;
  request: HostRequest;
  callbacks: HostCallbacks;
  resolve: (reply: HostReply) => void;
  reject: (error: unknown) => void;
  onAbort?: () => void;
}

/** A live host process and what it has said so far. */
interface Running {
  child: ChildProcess;
  ready: Promise<void>;
  /** The next stdout line's reader (one line = one event or one reply). */
  lines: ((line: string) => void)[];
  pendingLines: string[];
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  stderrTail: string[];
  /** The log listener of the request in progress. */
  onLog?: (line: string) => void;
}

export class WhisperHost {
  readonly #options: WhisperHostOptions;
  #running: Running | undefined;
  #queue: Job[] = [];
  #busy = false;
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | undefined;
  #starts = 0;
  #current: Job | undefined;

  constructor(options: WhisperHostOptions) {
    this.#options = options;
  }

  /** Processes started so far (tests: several windows, one start). */
  get starts(): number {
    return this.#starts;
  }

  /** The running host's pid, if one runs. */
  get pid(): number | undefined {
    return this.#running && !this.#running.exited ? this.#running.child.pid : undefined;
  }

  /**
   * Transcribes one window. `pcm` is copied into the pipe's buffer, which is
   * zeroed once written; the caller's array is left as it is.
   */
  transcribe(
    pcm: Int16Array,
    request: HostRequest,
    callbacks: HostCallbacks = {},
  ): Promise<HostReply> {
    callbacks.signal?.throwIfAborted();
    return new Promise<HostReply>((resolve, reject) => {
      const job: Job = { pcm, request, callbacks, resolve, reject };
      if (callbacks.signal) {
        job.onAbort = () => {
          const waiting = this.#queue.indexOf(job);
          if (waiting >= 0) {
            this.#queue.splice(waiting, 1);
            reject(cancelled());
          } else if (this.#current === job) {
            // The only way to stop whisper mid-window: the process goes, the next request starts another.
            this.#kill();
          }
        };
        callbacks.signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Ends the host (it exits when its input closes); a later request starts a new one. */
  close(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    const running = this.#running;
    this.#running = undefined;
    if (running && !running.exited) running.child.stdin?.end();
  }

  #kill(): void {
    const running = this.#running;
    this.#running = undefined;
    if (running && !running.exited) running.child.kill('SIGKILL');
  }

  #pump(): void {
    if (this.#busy) return;
    const job = this.#queue.shift();
    if (!job) return this.#idle();
    this.#busy = true;
    this.#current = job;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#run(job)
      .then(job.resolve, (error: unknown) =>
        job.reject(job.callbacks.signal?.aborted ? cancelled() : error),
      )
      .finally(() => {
        if (job.onAbort) job.callbacks.signal?.removeEventListener('abort', job.onAbort);
        this.#current = undefined;
        this.#busy = false;
        this.#pump();
      });
  }

  #idle(): void {
    const running = this.#running;
    if (!running || running.exited) return;
    // An idle host never keeps Node alive (a CLI command ends as soon as its work is done:
    // its end closes the host's input and the host exits).
    hold(running, false);
    this.#idleTimer = setTimeout(() => this.close(), this.#options.idleMs ?? 60_000);
    this.#idleTimer.unref();
  }

  async #run(job: Job): Promise<HostReply> {
    job.callbacks.signal?.throwIfAborted();
    const started = !this.#running || !!this.#running.exited;
    const running = this.#start();
    hold(running, true);
    job.callbacks.onSpawn?.(running.child);
    await running.ready;
    const id = this.#nextId++;
    const header = {
      id,
      samples: job.pcm.length,
      language: job.request.language,
      threads: job.request.threads,
      ...(job.request.prompt ? { prompt: job.request.prompt } : {}),
      ...(job.request.audioContext ? { audioContext: job.request.audioContext } : {}),
      beamSize: job.request.beamSize ?? 5,
      ...(job.request.bestOf !== undefined ? { bestOf: job.request.bestOf } : {}),
      noFallback: !!job.request.noFallback,
      ...(job.request.carry ? { carry: true } : {}),
      ...(job.request.carry && job.request.carryMaxMs !== undefined
        ? { carryMaxMs: job.request.carryMaxMs }
        : {}),
      ...(job.request.maxTokens ? { maxTokens: job.request.maxTokens } : {}),
    };
    const logListener = job.callbacks.onLog;
    const reply = nextLine(running);
    const bytes = Buffer.alloc(job.pcm.length * 2);
    new Int16Array(bytes.buffer, bytes.byteOffset, job.pcm.length).set(job.pcm);
    const stdin = running.child.stdin!;
    if (logListener) running.onLog = logListener;
    try {
      stdin.write(`${JSON.stringify(header)}\n`);
      // The write's callback fires once the bytes are in the pipe: then they are wiped here.
      await new Promise<void>((done) =>
        stdin.write(bytes, () => {
          bytes.fill(0);
          done();
        }),
      );
      const line = await reply;
      if (!line) throw exitError(running);
      return { ...parseReply(line, id), started };
    } finally {
      bytes.fill(0);
      running.onLog = undefined;
    }
  }

  /** The running host, or a new one (its "ready" line awaited by the caller). */
  #start(): Running {
    if (this.#running && !this.#running.exited) return this.#running;
    const { binary, model, vadModel, flashAttention, env } = this.#options;
    const args = ['-m', model];
    if (vadModel) args.push('--vad-model', vadModel);
    if (flashAttention === false) args.push('--no-flash-attn');
    let child: ChildProcess;
    try {
      child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    } catch (error) {
      // Some failures (ELOOP while the engine is rebuilt) are thrown, not emitted.
      throw notStarted(binary, error as Error);
    }
    this.#starts++;
    const running: Running = {
      child,
      ready: Promise.resolve(),
      lines: [],
      pendingLines: [],
      stderrTail: [],
    };
    let startError: Error | undefined;
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      if (running.exited) return;
      running.exited = { code, signal };
      live.delete(child);
      if (this.#running === running) this.#running = undefined;
      // A reader still waiting learns of the end through an empty line.
      for (const reader of running.lines.splice(0)) reader('');
    };
    child.on('error', (error) => {
      startError ??= notStarted(binary, error);
      ended(null, null);
    });
    child.on('close', ended);
    child.stdin!.on('error', () => undefined); // EPIPE when it died: the exit says why
    splitLines(child.stdout!, (line) => {
      const reader = running.lines.shift();
      if (reader) reader(line);
      else running.pendingLines.push(line);
    });
    splitLines(child.stderr!, (line) => {
      running.stderrTail.push(line);
      if (running.stderrTail.length > 200) running.stderrTail.splice(0, 50);
      running.onLog?.(line);
    });
    live.add(child);
    running.ready = nextLine(running).then((line) => {
      const event = safeJson(line) as
        { event?: string; reason?: string; log?: string[] } | undefined;
      if (event?.event === 'ready') return;
      if (startError) throw startError;
      if (event?.event === 'load-failed') {
        throw loadError(model, vadModel, event.reason ?? 'model', event.log ?? []);
      }
      throw exitError(running);
    });
    running.ready.catch(() => undefined);
    this.#running = running;
    return running;
  }
}

/** Hosts alive in this process: killed if Node exits (a frozen host would never read its end). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function hold(running: Running, busy: boolean): void {
  const child = running.child as ChildProcess & { stdin: unknown };
  if (!child.pid) return;
  const handles = [child, child.stdin, child.stdout, child.stderr] as unknown as {
    ref?: () => void;
    unref?: () => void;
  }[];
  for (const handle of handles) {
    if (busy) handle?.ref?.();
    else handle?.unref?.();
  }
}

/** The next line on the host's output; empty once the host has exited. */
function nextLine(running: Running): Promise<string> {
  const queued = running.pendingLines.shift();
  if (queued !== undefined) return Promise.resolve(queued);
  if (running.exited) return Promise.resolve('');
  return new Promise((resolve) => running.lines.push(resolve));
}

function splitLines(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (pending) onLine(pending);
    pending = '';
  });
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function parseReply(line: string, id: number): Omit<HostReply, 'started'> {
  const reply = safeJson(line) as
    { id?: number | null; error?: { code?: string; message?: string }; log?: string[] } | undefined;
  if (!reply) {
    throw new GreffierError(
      'engine-output',
      'the whisper host wrote a result that cannot be read',
      {
        hint: 'run again with --verbose and report the engine log',
      },
    );
  }
  if (reply.error) {
    throw new GreffierError(
      'engine-failed',
      `the whisper host refused the window: ${reply.error.message ?? reply.error.code ?? 'no reason'}`,
      { hint: ENGINE_HINT },
    );
  }
  if (reply.id !== id) {
    throw new GreffierError(
      'engine-output',
      `the whisper host answered request ${reply.id}, not ${id}`,
      {
        hint: 'run again with --verbose and report the engine log',
      },
    );
  }
  return { json: line, log: Array.isArray(reply.log) ? reply.log : [] };
}

/** The line most worth showing when the engine fails. */
export function failureReason(lines: string[]): string {
  const meaningful = [...lines]
    .reverse()
    .find((l) => /error|failed|invalid|illegal|abort|what\(\)/i.test(l));
  return (meaningful ?? lines.at(-1) ?? 'no output').trim();
}

function notStarted(binary: string, error: Error): GreffierError {
  return new GreffierError(
    'engine-missing',
    `the whisper host could not be started from ${binary} (${(error as NodeJS.ErrnoException).code ?? error.message})`,
    { hint: ENGINE_HINTS.notStarted, cause: error },
  );
}

function loadError(model: string, vadModel: string | undefined, reason: string, log: string[]) {
  // The same answers as whisper-cli's path (whisper.ts) for the same files.
  if (reason === 'no-tensors') {
    return new GreffierError(
      'model-damaged',
      `${model} holds no model weights (the file is cut short)`,
      { hint: ENGINE_HINTS.modelCut },
    );
  }
  const file = reason === 'vad-model' ? (vadModel ?? model) : model;
  return new GreffierError(
    'engine-failed',
    `whisper could not load ${file}: ${failureReason(log)}`,
    { hint: ENGINE_HINT },
  );
}

function exitError(running: Running): GreffierError {
  const exit = running.exited;
  const how = exit?.signal
    ? `was killed by ${exit.signal}`
    : exit
      ? `exited with code ${exit.code}`
      : 'stopped answering';
  return new GreffierError(
    'engine-failed',
    `the whisper host ${how}: ${failureReason(running.stderrTail)}`,
    { hint: exit?.signal === 'SIGILL' ? ENGINE_HINTS.illegal : ENGINE_HINT },
  );
}

function cancelled(): GreffierError {
  return new GreffierError('cancelled', 'The transcription was cancelled', { exitCode: 1 });
}
