/**
 * The model host process: the only place node-llama-cpp runs. A crash or an
 * out-of-memory here takes this process down, never the app; the parent
 * (./host.ts) reports it and starts a new one on the next request.
 *
 * Started by child_process.fork in Node, or by Electron's utilityProcess (then
 * messages arrive on process.parentPort). It loads models on demand and keeps
 * at most one language model and one embedding model in memory.
 */
import { basename } from 'node:path';
import type {
  Llama,
  LlamaContext,
  LlamaChatSession,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaGrammar,
  LlamaModel,
} from 'node-llama-cpp';
import { llamaOptions } from './llama-options.js';
import { pieceEnds } from './pieces.js';
import {
  HostRequestSchema,
  languageModelKey,
  type GenerateJob,
  type HostEvent,
  type JobSpec,
  type Lane,
  type ModelRef,
  type PreloadJob,
} from './protocol.js';

/** Without a size from the caller: enough for a chunk of transcript, small enough for 8 GB PCs. */
const DEFAULT_CONTEXT_CAP = 4096;

interface ElectronParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;

function send(event: HostEvent): void {
  if (parentPort) parentPort.postMessage(event);
  else process.send?.(event);
}

function onRequest(listener: (message: unknown) => void): void {
  if (parentPort) parentPort.on('message', (event) => listener(event.data));
  else process.on('message', listener);
}

class JobError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

interface LoadedLanguageModel {
  key: string;
  model: LlamaModel;
  context: LlamaContext;
  sequences: Record<Lane, LlamaContextSequence>;
  /** The last prompt each lane read to its end (a preload, or a generate that wrote). */
  read: Partial<Record<Lane, { system: string; prompt: string }>>;
}

interface LoadedEmbeddingModel {
  key: string;
  model: LlamaModel;
  context: LlamaEmbeddingContext;
}

let llamaPromise: Promise<Llama> | undefined;
let languageModel: LoadedLanguageModel | undefined;
let embeddingModel: LoadedEmbeddingModel | undefined;
const grammars = new Map<string, LlamaGrammar>();
const running = new Map<number, AbortController>();

async function llamaFor(threads: number): Promise<Llama> {
  llamaPromise ??= import('node-llama-cpp').then(({ getLlama }) => getLlama(llamaOptions(threads)));
  return llamaPromise;
}

async function loadModel(ref: ModelRef, id: number): Promise<LlamaModel> {
  const llama = await llamaFor(ref.threads);
  try {
    return await llama.loadModel({
      modelPath: ref.path,
      onLoadProgress: (fraction) =>
        send({ type: 'progress', id, stage: 'loading', fraction: Math.min(1, fraction) }),
    });
  } catch (error) {
    throw new JobError(
      'llm-model-unreadable',
      `the model file ${basename(ref.path)} could not be loaded: ${(error as Error).message}`,
      'check that it is a GGUF language model and that it was verified with "greffier models add"',
    );
  }
}

async function languageModelFor(ref: ModelRef, id: number): Promise<LoadedLanguageModel> {
  const key = languageModelKey(ref);
  if (languageModel?.key === key) return languageModel;
  await disposeLanguageModel();
  const model = await loadModel(ref, id);
  // Never beyond what the model was trained for: past it, output degrades.
  const contextSize = Math.min(ref.contextSize ?? DEFAULT_CONTEXT_CAP, model.trainContextSize);
  try {
    // Two sequences: questions keep their evaluated prefix while notes run on the other.
    const context = await model.createContext({ contextSize, threads: ref.threads, sequences: 2 });
    languageModel = {
      key,
      model,
      context,
      sequences: { background: context.getSequence(), question: context.getSequence() },
      read: {},
    };
    return languageModel;
  } catch (error) {
    await model.dispose();
    throw new JobError(
      'llm-context',
      `no room for a ${contextSize}-token context with ${basename(ref.path)}: ${(error as Error).message}`,
      'close other programs or choose a smaller model',
    );
  }
}

async function embeddingModelFor(ref: ModelRef, id: number): Promise<LoadedEmbeddingModel> {
  const key = `${ref.path}|${ref.threads}`;
  if (embeddingModel?.key === key) return embeddingModel;
  await disposeEmbeddingModel();
  const model = await loadModel(ref, id);
  const context = await model.createEmbeddingContext({
    threads: ref.threads,
    ...(ref.contextSize ? { contextSize: ref.contextSize } : {}),
  });
  embeddingModel = { key, model, context };
  return embeddingModel;
}

async function disposeLanguageModel(): Promise<void> {
  if (!languageModel) return;
  const { context, model } = languageModel;
  languageModel = undefined;
  grammars.clear();
  await context.dispose();
  await model.dispose();
}

async function disposeEmbeddingModel(): Promise<void> {
  if (!embeddingModel) return;
  const { context, model } = embeddingModel;
  embeddingModel = undefined;
  await context.dispose();
  await model.dispose();
}

async function grammarFor(schema: unknown): Promise<LlamaGrammar> {
  const key = JSON.stringify(schema);
  const cached = grammars.get(key);
  if (cached) return cached;
  const llama = await llamaPromise!;
  let grammar: LlamaGrammar;
  try {
    // The schema type is checked by the caller's own zod/JSON-schema pairing.
    grammar = await llama.createGrammarForJsonSchema(schema as never);
  } catch (error) {
    throw new JobError(
      'llm-schema',
      `the output schema is not usable: ${(error as Error).message}`,
    );
  }
  grammars.set(key, grammar);
  return grammar;
}

/** A GBNF grammar of ours (see GenerateJob.grammar), cached like the schema ones. */
async function gbnfGrammarFor(grammar: NonNullable<GenerateJob['grammar']>): Promise<LlamaGrammar> {
  const key = `gbnf:${grammar.stop}:${grammar.gbnf}`;
  const cached = grammars.get(key);
  if (cached) return cached;
  const llama = await llamaPromise!;
  let made: LlamaGrammar;
  try {
    made = await llama.createGrammar({
      grammar: grammar.gbnf,
      stopGenerationTriggers: [grammar.stop],
      trimWhitespaceSuffix: true,
    });
  } catch (error) {
    throw new JobError(
      'llm-schema',
      `the output grammar is not usable: ${(error as Error).message}`,
    );
  }
  grammars.set(key, made);
  return made;
}

async function chatSession(job: GenerateJob | PreloadJob, id: number) {
  const { LlamaChatSession } = await import('node-llama-cpp');
  const loaded = await languageModelFor(job.model, id);
  const sequence = loaded.sequences[job.lane ?? 'background'];
  // The sequence keeps the previous job's tokens on purpose: node-llama-cpp
  // reuses the common prefix (the same system prompt, the same passages), so
  // a question after a question, or after its own preload, skips reading them again.
  const session = new LlamaChatSession({
    contextSequence: sequence,
    systemPrompt: job.system,
    autoDisposeSequence: false,
  });
  return { sequence, session, loaded };
}

/**
 * Whether a lane has already read this prompt as the start of a longer one.
 * Reading it again would not be free: node-llama-cpp makes the sequence hold
 * exactly the prompt it reads, so everything read after it (the turn
 * before's passages, that a follow-up starts with) would be thrown away and
 * read again.
 */
function alreadyRead(loaded: LoadedLanguageModel, job: PreloadJob): boolean {
  const last = loaded.read[job.lane ?? 'background'];
  return !!last && last.system === job.system && last.prompt.startsWith(job.prompt);
}

async function preload(job: PreloadJob, id: number, signal: AbortSignal) {
  const lane = job.lane ?? 'background';
  const loaded = await languageModelFor(job.model, id);
  if (alreadyRead(loaded, job)) return { inputTokens: 0, ms: 0 };
  const { sequence, session } = await chatSession(job, id);
  const meter = sequence.tokenMeter.getState();
  const started = performance.now();
  // Until it is read to its end, what the lane holds is not known here.
  delete loaded.read[lane];
  try {
    if (signal.aborted) throw signal.reason;
    await session.preloadPrompt(job.prompt, { signal });
    loaded.read[lane] = { system: job.system, prompt: job.prompt };
    return {
      inputTokens: sequence.tokenMeter.diff(meter).usedInputTokens,
      ms: performance.now() - started,
    };
  } finally {
    session.dispose({ disposeSequence: false });
  }
}

/**
 * Characters of a background prompt read per piece (see pieceEnds): a
 * question waits at most one piece for the notes to give way, about a second
 * on two cores (85 to 150 tokens), for ~10 tokens read again per piece.
 */
const PIECE_CHARS = 300;

async function readInPieces(
  session: LlamaChatSession,
  prompt: string,
  signal: AbortSignal,
): Promise<void> {
  // The last piece is read by the prompt itself.
  for (const end of pieceEnds(prompt, PIECE_CHARS)) {
    if (signal.aborted) throw signal.reason;
    await session.preloadPrompt(prompt.slice(0, end), { signal, evaluationPriority: 1 });
  }
}

async function generate(job: GenerateJob, id: number, signal: AbortSignal) {
  const { sequence, session, loaded } = await chatSession(job, id);
  const grammar = job.grammar
    ? await gbnfGrammarFor(job.grammar)
    : job.schema === undefined
      ? undefined
      : await grammarFor(job.schema);
  const prefix = job.grammar?.prefix;
  const meter = sequence.tokenMeter.getState();
  const started = performance.now();
  const lane = job.lane ?? 'background';
  const background = lane === 'background';
  delete loaded.read[lane];
  // A first token means the prompt was read to its end, even if the job is then cancelled.
  const wrote = () => (loaded.read[lane] = { system: job.system, prompt: job.prompt });
  // The response prefix comes out as the first chunk at once, before the prompt is read.
  let prefixPending = prefix !== undefined;
  try {
    if (background) await readInPieces(session, job.prompt, signal);
    if (signal.aborted) throw signal.reason;
    const text = await session.prompt(job.prompt, {
      // When both lanes have tokens to read, the question's go into the batch first.
      evaluationPriority: background ? 1 : 5,
      ...(grammar ? { grammar } : {}),
      ...(prefix ? { responsePrefix: prefix } : {}),
      maxTokens: job.maxTokens,
      temperature: job.temperature ?? 0,
      ...(job.seed === undefined ? {} : { seed: job.seed }),
      signal,
      onTextChunk: (chunk) => {
        if (prefixPending && chunk === prefix) prefixPending = false;
        else wrote();
        send({ type: 'token', id, text: chunk });
      },
    });
    const diff = sequence.tokenMeter.diff(meter);
    return {
      text,
      inputTokens: diff.usedInputTokens,
      outputTokens: diff.usedOutputTokens,
      ms: performance.now() - started,
    };
  } finally {
    session.dispose({ disposeSequence: false });
  }
}

async function runJob(job: JobSpec, id: number, signal: AbortSignal): Promise<unknown> {
  switch (job.kind) {
    case 'info': {
      const { model, context } = await languageModelFor(job.model, id);
      return {
        file: basename(job.model.path),
        contextSize: context.contextSize,
        trainContextSize: model.trainContextSize,
      };
    }
    case 'count': {
      const { model } = await languageModelFor(job.model, id);
      return { counts: job.texts.map((text) => model.tokenize(text).length) };
    }
    case 'generate':
      return generate(job, id, signal);
    case 'preload':
      return preload(job, id, signal);
    case 'embed': {
      const { context } = await embeddingModelFor(job.model, id);
      const vectors: number[][] = [];
      for (const text of job.texts) {
        if (signal.aborted) throw signal.reason;
        vectors.push([...(await context.getEmbeddingFor(text)).vector]);
      }
      return { vectors };
    }
  }
}

onRequest((raw) => {
  const parsed = HostRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown })?.id;
    send({
      type: 'error',
      id: typeof id === 'number' ? id : -1,
      code: 'llm-protocol',
      message: `the model host received a message it does not understand: ${parsed.error.message}`,
    });
    return;
  }
  const request = parsed.data;
  if (request.type === 'cancel') {
    running.get(request.id)?.abort(new JobError('cancelled', 'cancelled'));
    return;
  }
  if (request.type === 'unload') {
    void disposeLanguageModel().then(disposeEmbeddingModel);
    return;
  }
  const controller = new AbortController();
  running.set(request.id, controller);
  runJob(request.job, request.id, controller.signal)
    .then((result) => send({ type: 'result', id: request.id, result }))
    .catch((error: unknown) => {
      if (controller.signal.aborted) {
        send({
          type: 'error',
          id: request.id,
          code: 'cancelled',
          message: 'the job was cancelled',
        });
      } else if (error instanceof JobError) {
        send({
          type: 'error',
          id: request.id,
          code: error.code,
          message: error.message,
          ...(error.hint ? { hint: error.hint } : {}),
        });
      } else {
        send({
          type: 'error',
          id: request.id,
          code: 'llm-failed',
          message: `the model failed: ${(error as Error)?.message ?? String(error)}`,
        });
      }
    })
    .finally(() => running.delete(request.id));
});

// The app went away (or closed us): nothing to do without it.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
