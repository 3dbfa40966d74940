import { z } from 'zod';
import { SAMPLE_RATE } from './audio.js';
import { MinutesStatusSchema } from './record.js';
import { LanguageChoiceSchema, MeetingSegmentSchema } from './transcript.js';

/**
 * The meeting contract shared by core, CLI, main and renderer. These names are
 * imported by every other part: extend them, never rename them.
 */

/**
 * Where a meeting is in its life:
 * - recording: audio is being appended to its journal
 * - transcribing / summarising: a job is working on it
 * - ready: transcript (and summary, when asked for) saved
 * - recovered: the app stopped mid-recording; the intact audio was kept
 * - failed: a job failed; the audio is safe and the job can be retried
 */
export const MeetingStatusSchema = z.enum([
  'recording',
  'transcribing',
  'summarising',
  'ready',
  'recovered',
  'failed',
]);
export type MeetingStatus = z.infer<typeof MeetingStatusSchema>;

export const SpeakerSchema = z.object({
  id: z.string().min(1),
  /** The name the clerk gave, or the label the diarisation proposed ("Speaker 1"). */
  name: z.string().min(1).max(200),
  role: z.string().max(200).optional(),
});
export type Speaker = z.infer<typeof SpeakerSchema>;

/** What the vault knows of a meeting's audio, without decrypting it. */
export const AudioInfoSchema = z.object({
  sampleRate: z.literal(SAMPLE_RATE),
  channels: z.literal(1),
  /** Sealed chunks in the journal (about one second each while recording). */
  chunks: z.number().int().nonnegative(),
  samples: z.number().int().nonnegative(),
});
export type AudioInfo = z.infer<typeof AudioInfoSchema>;

/** One meeting as the catalogue lists it (the transcript and summary live in their own files). */
export const MeetingSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1).max(500),
  /** ISO 8601 time the meeting started. */
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationMs: z.number().nonnegative(),
  language: LanguageChoiceSchema,
  status: MeetingStatusSchema,
  speakers: z.array(SpeakerSchema),
  audio: AudioInfoSchema.optional(),
  /** Number of transcript segments saved (0 until a transcript exists). */
  segmentCount: z.number().int().nonnegative(),
  hasSummary: z.boolean(),
  /** Where the minutes are in their approval (absent: a draft never submitted). */
  minutesStatus: MinutesStatusSchema.optional(),
  /** Why the meeting is 'failed' or 'recovered', in words for the clerk. */
  statusNote: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Meeting = z.infer<typeof MeetingSchema>;

/** A meeting with everything the meeting screen needs. */
export const MeetingDetailSchema = MeetingSchema.extend({
  segments: z.array(MeetingSegmentSchema),
  /** Minutes JSON as the summariser produced it (its schema belongs to src/shared/minutes.ts). */
  summary: z.unknown().optional(),
});
export type MeetingDetail = z.infer<typeof MeetingDetailSchema>;

export const MeetingFilterSchema = z.object({
  /** ISO dates (inclusive); compared with startedAt. */
  from: z.string().optional(),
  to: z.string().optional(),
  status: z.array(MeetingStatusSchema).optional(),
  /** Case- and accent-insensitive text searched in titles. */
  text: z.string().optional(),
  language: LanguageChoiceSchema.optional(),
});
export type MeetingFilter = z.infer<typeof MeetingFilterSchema>;

export const JobKindSchema = z.enum(['transcribe', 'diarize', 'summarize', 'index']);
export type JobKind = z.infer<typeof JobKindSchema>;
export const JobStateSchema = z.enum(['queued', 'running', 'done', 'failed']);
export type JobState = z.infer<typeof JobStateSchema>;

/** A unit of work recorded in the vault BEFORE it runs, so a restart resumes it. */
export const JobSchema = z.object({
  id: z.string().min(1),
  kind: JobKindSchema,
  meetingId: z.string().min(1),
  state: JobStateSchema,
  /** Options the job needs to run again (model path, language…); plain JSON. */
  params: z.record(z.string(), z.unknown()),
  attempts: z.number().int().nonnegative(),
  error: z.string().optional(),
  /** The error's code (GreffierError), so the page can say it in the user's language. */
  errorCode: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Job = z.infer<typeof JobSchema>;

/**
 * segmentation and voiceprint: the two ONNX models of speakers from voices
 * (sherpa-onnx); speech: a Piper voice that reads answers aloud (sherpa-onnx).
 */
export const ModelKindSchema = z.enum([
  'asr',
  'vad',
  'llm',
  'embedding',
  'segmentation',
  'voiceprint',
  'speech',
]);
export type ModelKind = z.infer<typeof ModelKindSchema>;

/** A model file IT installed on this PC, as last verified. */
export const InstalledModelSchema = z.object({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  /**
   * The rest of the fingerprint taken when the bytes were last hashed: any
   * change of inode, size, ctime or mtime makes the next load hash again.
   * Absent in records written before copies were kept (hashed on next load).
   */
  ino: z.number().int().nonnegative().optional(),
  ctimeMs: z.number().optional(),
  /** The file IT gave ("models add", folder import); path is Greffier's own copy. */
  source: z.string().optional(),
  verifiedAt: z.string(),
  catalogueId: z.string().optional(),
  default: z.boolean(),
});
export type InstalledModel = z.infer<typeof InstalledModelSchema>;

/**
 * How the final-quality pass decodes, as far as it is chosen (the rest keeps
 * the measured defaults of src/core/asr/decoding.ts). The same shape in the
 * vault's settings and in the machine policy, which wins.
 */
export const FinalDecodingChoiceSchema = z
  .object({
    /** 1 = greedy; 2–8 = beam search with that many beams. */
    beamSize: z.number().int().min(1).max(8),
    /** Re-decode a window at higher temperatures when its confidence is low. */
    fallback: z.boolean(),
    flashAttention: z.boolean(),
  })
  .partial()
  .strict();
export type FinalDecodingChoice = z.infer<typeof FinalDecodingChoiceSchema>;

export const SettingsSchema = z.object({
  defaultLanguage: LanguageChoiceSchema,
  /** Minutes without activity before the vault locks itself; 0 never locks. */
  autoLockMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60),
  /** Installed models by kind; at most one per kind has default: true. */
  models: z.partialRecord(ModelKindSchema, z.array(InstalledModelSchema)),
  /**
   * Skip silence with the installed voice-activity (VAD) model on final
   * passes and imports. Ignored when no VAD model is installed.
   */
  useVad: z.boolean().default(true),
  /** The final pass's decoding, when the clerk or IT overrides the measured defaults (docs/architecture.md). */
  finalDecoding: FinalDecodingChoiceSchema.optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  defaultLanguage: 'fr',
  autoLockMinutes: 10,
  models: {},
  useVad: true,
};

/** What `greffier vault status` reports (nothing secret). */
export const VaultStatusSchema = z.object({
  path: z.string(),
  exists: z.boolean(),
  locked: z.boolean(),
  meetings: z.number().int().nonnegative().optional(),
  kdf: z
    .object({ name: z.literal('scrypt'), N: z.number(), r: z.number(), p: z.number() })
    .optional(),
  createdAt: z.string().optional(),
  /** PID of the live process that has the vault open, if any. */
  inUseByPid: z.number().int().optional(),
});
export type VaultStatus = z.infer<typeof VaultStatusSchema>;
