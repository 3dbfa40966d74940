import { z } from 'zod';
import { LanguageChoiceSchema } from './transcript.js';

/**
 * Importing a recording from the window (core/app/import-calls.ts), spread
 * into apiCalls. The file travels in chunks (each under the browser host's
 * 4 MiB request limit once in base64) into a sealed staging area, is probed,
 * then imported into the vault as a meeting, with `import.*` events for its
 * progress.
 */
const Id = z.string().min(1).max(200);
const Ok = z.object({ ok: z.literal(true) });

/** Bytes of the file per `import.chunk`: 1 MiB, about 1.4 MB of base64. */
export const IMPORT_CHUNK_BYTES = 1024 * 1024;

export const ImportProbeViewSchema = z.object({
  fileName: z.string(),
  bytes: z.number().int().nonnegative(),
  /** "mp3", "flac", "ogg", "webm", "mp4", "wav"… */
  container: z.string(),
  codec: z.string(),
  sampleRate: z.number().optional(),
  channels: z.number().optional(),
  durationMs: z.number().nonnegative().optional(),
  /** False when the duration is an estimate (an MP3 without a frame count). */
  durationExact: z.boolean(),
  /** Why Greffier cannot import it (AAC, DRM, unknown codec); the upload is already discarded. */
  refusal: z
    .object({ code: z.string(), message: z.string(), hint: z.string().optional() })
    .optional(),
});
export type ImportProbeView = z.infer<typeof ImportProbeViewSchema>;

export const importApiCalls = {
  /** Opens an upload of `size` bytes; the chunks follow in order. */
  'import.begin': {
    input: z
      .object({
        fileName: z.string().min(1).max(500),
        // 0 is let through: the door refuses an empty file by its name (audio-empty).
        size: z
          .number()
          .int()
          .nonnegative()
          .max(2 ** 46),
      })
      .strict(),
    output: z.object({ importId: Id }),
  },
  /** Bytes from `offset` on, base64; a chunk sent again (a retry) is acknowledged once. */
  'import.chunk': {
    input: z
      .object({
        importId: Id,
        offset: z.number().int().nonnegative(),
        base64: z
          .string()
          .max(Math.ceil((IMPORT_CHUNK_BYTES * 4) / 3) + 4)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the file chunk must be base64'),
      })
      .strict(),
    output: z.object({ received: z.number().int().nonnegative() }),
  },
  /** Once every byte is there: format, codec, rate, channels, duration, or why it is refused. */
  'import.probe': { input: z.object({ importId: Id }).strict(), output: ImportProbeViewSchema },
  /**
   * Starts the import into a new meeting and answers at once; `import.progress`
   * follows, then `import.finished` (transcription queued) or `import.failed`.
   */
  'import.start': {
    input: z
      .object({
        importId: Id,
        title: z.string().min(1).max(300),
        language: LanguageChoiceSchema,
      })
      .strict(),
    output: Ok,
  },
  /** Stops an upload or an import: the staged bytes and any half-made meeting are removed. */
  'import.cancel': { input: z.object({ importId: Id }).strict(), output: Ok },
} as const;
