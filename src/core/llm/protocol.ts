import { z } from 'zod';

/**
 * The messages between the app and the model host process. Both sides
 * validate what they receive: a host that was built from another version, or
 * a message garbled by a crash, is reported instead of trusted.
 */

/** Which model file to use and how to run it. */
export const ModelRefSchema = z.object({
  path: z.string().min(1),
  /** Tokens of context to allocate; absent = the model's training context, capped (see host-main). */
  contextSize: z.number().int().positive().optional(),
  threads: z.number().int().positive(),
});
export type ModelRef = z.infer<typeof ModelRefSchema>;

/** Which loaded language model a reference means: another key makes the host load another. */
export function languageModelKey(ref: ModelRef): string {
  return `${ref.path}|${ref.contextSize ?? 'auto'}|${ref.threads}`;
}

export const InfoJobSchema = z.object({ kind: z.literal('info'), model: ModelRefSchema });
export const CountJobSchema = z.object({
  kind: z.literal('count'),
  model: ModelRefSchema,
  texts: z.array(z.string()),
});
/**
 * Which of the host's two context sequences a job runs on. Each keeps the
 * tokens of its last job, so a question after notes still finds its own
 * system prompt and passages evaluated (prefix reuse), and the scheduler can
 * cancel a background job without losing the question's state.
 */
export const LaneSchema = z.enum(['question', 'background']);
export type Lane = z.infer<typeof LaneSchema>;

export const GenerateJobSchema = z.object({
  kind: z.literal('generate'),
  model: ModelRefSchema,
  /** Default: background. */
  lane: LaneSchema.optional(),
  /** Instructions: written by us, never containing meeting text. */
  system: z.string(),
  /** The user turn: instructions plus the quoted data block. */
  prompt: z.string(),
  /** A JSON schema for node-llama-cpp's grammar; absent = free text. */
  schema: z.unknown().optional(),
  /**
   * Instead of a schema: a GBNF grammar for what follows `prefix`, the text the
   * answer is made to start with (read with the prompt, not written token by
   * token: the first token generated is already the answer's). `stop` is what
   * the grammar ends with; generation stops there and it is trimmed.
   */
  grammar: z
    .object({ gbnf: z.string().min(1), prefix: z.string().min(1), stop: z.string().min(1) })
    .optional(),
  maxTokens: z.number().int().positive(),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().optional(),
});
/**
 * Evaluates a prompt without generating (node-llama-cpp preloadPrompt), so
 * the generate job that follows with the same beginning only reads what
 * differs: asked while the official is still speaking.
 */
export const PreloadJobSchema = z.object({
  kind: z.literal('preload'),
  model: ModelRefSchema,
  lane: LaneSchema.optional(),
  system: z.string(),
  prompt: z.string(),
});
export type PreloadJob = z.infer<typeof PreloadJobSchema>;

export const EmbedJobSchema = z.object({
  kind: z.literal('embed'),
  model: ModelRefSchema,
  texts: z.array(z.string()),
});
export const JobSpecSchema = z.discriminatedUnion('kind', [
  InfoJobSchema,
  CountJobSchema,
  GenerateJobSchema,
  PreloadJobSchema,
  EmbedJobSchema,
]);
export type JobSpec = z.infer<typeof JobSpecSchema>;
export type GenerateJob = z.infer<typeof GenerateJobSchema>;

export const HostRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run'), id: z.number().int(), job: JobSpecSchema }),
  z.object({ type: z.literal('cancel'), id: z.number().int() }),
  /** Free the models' memory; the process stays, ready to load again. */
  z.object({ type: z.literal('unload') }),
]);
export type HostRequest = z.infer<typeof HostRequestSchema>;

export const ModelInfoSchema = z.object({
  /** File name only: the path stays with the caller. */
  file: z.string(),
  contextSize: z.number().int().positive(),
  trainContextSize: z.number().int().positive(),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const GenerateResultSchema = z.object({
  text: z.string(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** Wall time inside the host, load excluded. */
  ms: z.number().nonnegative(),
});
export type GenerateResult = z.infer<typeof GenerateResultSchema>;

export const ResultSchemas = {
  info: ModelInfoSchema,
  count: z.object({ counts: z.array(z.number().int().nonnegative()) }),
  generate: GenerateResultSchema,
  /** Tokens the preload evaluated (0 when the sequence already held them). */
  preload: z.object({ inputTokens: z.number().int().nonnegative(), ms: z.number().nonnegative() }),
  embed: z.object({ vectors: z.array(z.array(z.number())) }),
} as const;

export const HostEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({
    type: z.literal('progress'),
    id: z.number().int(),
    stage: z.enum(['loading', 'generating']),
    /** 0..1 */
    fraction: z.number().min(0).max(1),
  }),
  z.object({ type: z.literal('token'), id: z.number().int(), text: z.string() }),
  z.object({ type: z.literal('result'), id: z.number().int(), result: z.unknown() }),
  z.object({
    type: z.literal('error'),
    id: z.number().int(),
    code: z.string(),
    message: z.string(),
    hint: z.string().optional(),
  }),
]);
export type HostEvent = z.infer<typeof HostEventSchema>;
