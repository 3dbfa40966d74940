import { z } from 'zod';
import {
  FinalDecodingChoiceSchema,
  JobSchema,
  MeetingSchema,
  MeetingStatusSchema,
  ModelKindSchema,
  SettingsSchema,
  SpeakerSchema,
} from './meetings.js';
import { AnswerSchema, CitationSchema, MinutesSchema } from './minutes.js';
import { MinutesStatusSchema, recordApiCalls } from './record.js';
import { LanguageChoiceSchema, MeetingSegmentSchema } from './transcript.js';
import { auditApiCalls } from './audit-api.js';
import { importApiCalls } from './import-api.js';

/**
 * The one contract between the UI and the core. Electron IPC (preload ↔ main)
 * and the browser devhost (HTTP on loopback) both carry exactly these calls and
 * events, and both sides validate every message with these schemas: a
 * compromised or buggy renderer can only ask for what is listed here, in the
 * shapes listed here.
 */

// ---------------------------------------------------------------- shared shapes

export const UiLocaleSchema = z.enum(['fr', 'en']);
export type UiLocale = z.infer<typeof UiLocaleSchema>;

export const VaultStateSchema = z.enum(['absent', 'locked', 'unlocked']);
export type VaultState = z.infer<typeof VaultStateSchema>;

export { MeetingStatusSchema, type MeetingStatus } from './meetings.js';

/** A job as the screens show it: what runs, how far it got, why it failed. */
export const JobViewSchema = JobSchema.pick({
  id: true,
  kind: true,
  state: true,
  error: true,
  errorCode: true,
}).extend({
  /** 0..1 when the engine reports it. */
  progress: z.number().min(0).max(1).optional(),
});
export type JobView = z.infer<typeof JobViewSchema>;

export const MarkerSchema = z.object({ atMs: z.number().nonnegative(), label: z.string() });
export type Marker = z.infer<typeof MarkerSchema>;

/** A meeting in the list: the catalogue entry plus its running jobs. */
export const MeetingViewSchema = MeetingSchema.extend({ jobs: z.array(JobViewSchema) });
export type MeetingView = z.infer<typeof MeetingViewSchema>;

export const MeetingDetailViewSchema = MeetingViewSchema.extend({
  segments: z.array(MeetingSegmentSchema),
  markers: z.array(MarkerSchema),
  minutes: MinutesSchema.optional(),
});
export type MeetingDetailView = z.infer<typeof MeetingDetailViewSchema>;

export const CitationViewSchema = CitationSchema.extend({ meetingTitle: z.string().optional() });
export type CitationView = z.infer<typeof CitationViewSchema>;

export const AnswerViewSchema = AnswerSchema.extend({ citations: z.array(CitationViewSchema) });
export type AnswerView = z.infer<typeof AnswerViewSchema>;

export const ModelViewSchema = z.object({
  kind: ModelKindSchema,
  fileName: z.string(),
  path: z.string(),
  sizeBytes: z.number().nonnegative(),
  verification: z.enum(['verified', 'trusted-unlisted', 'changed', 'missing', 'unchecked']),
  isDefault: z.boolean(),
});
export type ModelView = z.infer<typeof ModelViewSchema>;

/** The settings a user changes from the screen (models have their own calls). */
export const SettingsViewSchema = SettingsSchema.pick({
  defaultLanguage: true,
  autoLockMinutes: true,
  finalDecoding: true,
});
export type SettingsView = z.infer<typeof SettingsViewSchema>;

/** The machine policy as the settings screen shows it: only what IT set. */
export const MachinePolicyViewSchema = z.object({
  path: z.string(),
  vaultFolder: z.string().optional(),
  minPassphraseLength: z.number().optional(),
  autoLockMinutes: z.number().optional(),
  /** How many model checksums are allowed (the list itself is IT's). */
  allowedModels: z.number().optional(),
  modelsFolder: z.string().optional(),
  uiLanguage: UiLocaleSchema.optional(),
  featuresOff: z.array(z.enum(['spokenAnswers', 'exports'])),
  finalDecoding: FinalDecodingChoiceSchema.optional(),
});
export type MachinePolicyView = z.infer<typeof MachinePolicyViewSchema>;

export const BlockedRequestSchema = z.object({
  at: z.string(),
  url: z.string(),
  /** Who stopped it: the CSP in the page, Electron's request filter, or the devhost. */
  by: z.enum(['csp', 'electron', 'devhost']),
  detail: z.string(),
});
export type BlockedRequest = z.infer<typeof BlockedRequestSchema>;

/** 16 kHz mono signed 16-bit little-endian PCM, base64 (JSON-safe over both transports). */
const Pcm16Base64 = z
  .string()
  .max(2_000_000)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'audio must be base64 PCM');

const Id = z.string().min(1).max(200);
const Passphrase = z.string().min(1).max(1024);
const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

// ---------------------------------------------------------------- calls

export const apiCalls = {
  'app.status': {
    input: Empty,
    output: z.object({
      ready: z.boolean(),
      version: z.string(),
      vault: VaultStateSchema,
      /** The locale the UI should start in: French on a French system, English otherwise. */
      systemLocale: UiLocaleSchema,
      settings: SettingsViewSchema.optional(),
      /** True when a transcription model is installed: the first-start screen points to import otherwise. */
      hasAsrModel: z.boolean(),
      hasLlmModel: z.boolean(),
      /** What this machine's policy enforces (src/core/policy.ts), for the settings screen. */
      policy: MachinePolicyViewSchema,
    }),
  },
  'vault.create': { input: z.object({ passphrase: Passphrase }).strict(), output: Ok },
  'vault.unlock': { input: z.object({ passphrase: Passphrase }).strict(), output: Ok },
  'vault.lock': { input: Empty, output: Ok },
  'vault.changePassphrase': {
    input: z.object({ current: Passphrase, next: Passphrase }).strict(),
    output: Ok,
  },
  'meetings.list': {
    input: z
      .object({
        query: z.string().max(500).optional(),
        status: MeetingStatusSchema.optional(),
        /** Where the minutes are (a draft: minutes never submitted). */
        minutes: MinutesStatusSchema.optional(),
      })
      .strict(),
    output: z.array(MeetingViewSchema),
  },
  'meetings.get': { input: z.object({ id: Id }).strict(), output: MeetingDetailViewSchema },
  'meetings.delete': { input: z.object({ id: Id }).strict(), output: Ok },
  /** A WAV (16-bit PCM) of part of the meeting's audio, for playback. */
  'meetings.audio': {
    input: z
      .object({ id: Id, fromMs: z.number().nonnegative(), toMs: z.number().nonnegative() })
      .strict(),
    output: z.object({ wavBase64: z.string() }),
  },
  'recording.start': {
    input: z
      .object({
        title: z.string().min(1).max(300),
        language: LanguageChoiceSchema,
        speakers: z.array(z.string().min(1).max(100)).max(9),
        /** A multi-channel input: how many channels, and who sits at which (issue 13). */
        channels: z.number().int().min(1).max(64).optional(),
        seats: z
          .array(
            z.object({
              channel: z.number().int().min(1).max(64),
              name: z.string().min(1).max(100),
            }),
          )
          .max(64)
          .optional(),
      })
      .strict(),
    output: z.object({ meetingId: Id }),
  },
  'recording.append': {
    input: z
      .object({
        meetingId: Id,
        seq: z.number().int().nonnegative(),
        pcm: Pcm16Base64,
        /** Per-channel levels of a multi-channel input, one byte per channel per 50 ms frame. */
        levels: z.string().max(20_000).optional(),
      })
      .strict(),
    output: z.object({ acknowledgedSeq: z.number().int(), durationMs: z.number() }),
  },
  'recording.marker': {
    input: z
      .object({ meetingId: Id, atMs: z.number().nonnegative(), label: z.string().max(200) })
      .strict(),
    output: Ok,
  },
  /** The clerk pressed a number key: from atMs on, this speaker is talking. */
  'recording.speakerTurn': {
    input: z.object({ meetingId: Id, speakerId: Id, atMs: z.number().nonnegative() }).strict(),
    output: Ok,
  },
  'recording.addSpeaker': {
    input: z.object({ meetingId: Id, name: z.string().min(1).max(100) }).strict(),
    output: SpeakerSchema,
  },
  'recording.stop': { input: z.object({ meetingId: Id }).strict(), output: Ok },
  /**
   * Recordings this app still holds open (the page was reloaded mid-meeting):
   * the page offers to resume (appending from nextSeq) or to finish each.
   */
  'recording.active': {
    input: Empty,
    output: z.array(
      z.object({
        meetingId: Id,
        title: z.string(),
        language: LanguageChoiceSchema,
        nextSeq: z.number().int().nonnegative(),
        durationMs: z.number().nonnegative(),
      }),
    ),
  },
  /** Transcribe a meeting again, or for the first time (recorded before a model was installed). */
  'meetings.transcribe': { input: z.object({ id: Id }).strict(), output: Ok },
  /** Sets (or clears, with null) the speaker of one line of the transcript. */
  'segments.setSpeaker': {
    input: z.object({ meetingId: Id, segmentId: Id, speakerId: Id.nullable() }).strict(),
    output: Ok,
  },
  'segments.edit': {
    input: z.object({ meetingId: Id, segmentId: Id, text: z.string().max(20_000) }).strict(),
    output: Ok,
  },
  'speakers.rename': {
    input: z.object({ meetingId: Id, speakerId: Id, name: z.string().min(1).max(100) }).strict(),
    output: Ok,
  },
  'speakers.merge': {
    input: z.object({ meetingId: Id, fromSpeakerId: Id, intoSpeakerId: Id }).strict(),
    output: Ok,
  },
  /** Remembered voices (issue 13): suggestions for a meeting's speakers, confirmed by the clerk. */
  'voices.suggestions': {
    input: z.object({ meetingId: Id }).strict(),
    output: z.array(z.object({ speakerId: Id, voiceId: Id, name: z.string(), score: z.number() })),
  },
  'voices.confirm': { input: z.object({ meetingId: Id, speakerId: Id }).strict(), output: Ok },
  'voices.reject': { input: z.object({ meetingId: Id, speakerId: Id }).strict(), output: Ok },
  /** Keeps a named speaker's voice; refused without the consent (who gave it, how). */
  'voices.remember': {
    input: z
      .object({
        meetingId: Id,
        speakerId: Id,
        consentBy: z.string().max(200),
        consentNote: z.string().max(500),
      })
      .strict(),
    output: z.object({ id: Id }),
  },
  'voices.list': {
    input: Empty,
    output: z.array(
      z.object({
        id: Id,
        name: z.string(),
        consent: z.object({ at: z.string(), by: z.string(), note: z.string() }),
        createdAt: z.string(),
      }),
    ),
  },
  /** Forgets a voice (deletion or consent withdrawn): its key is shredded. */
  'voices.forget': { input: z.object({ id: Id }).strict(), output: Ok },
  'minutes.regenerate': {
    input: z.object({ meetingId: Id, template: z.string().min(1).max(100) }).strict(),
    output: Ok,
  },
  'minutes.templates': { input: Empty, output: z.array(z.string()) },
  /** The clerk's own text for draft or returned minutes (checked again in core). */
  'minutes.edit': {
    input: z.object({ meetingId: Id, minutes: z.unknown() }).strict(),
    output: Ok,
  },
  'ask.question': {
    input: z
      .object({
        text: z.string().max(2000).optional(),
        audio: Pcm16Base64.optional(),
        language: LanguageChoiceSchema,
        /**
         * Chosen by the page so it listens for the answer before asking: a
         * question with no passage can be answered before the call returns.
         */
        questionId: Id.optional(),
        /** Follow-ups in the same conversation read the turns before (kept in memory only). */
        conversationId: Id.optional(),
      })
      .strict(),
    output: z.object({ questionId: Id }),
  },
  /** Push-to-talk: the key is down; audio follows in chunks, heard as it grows. */
  'ask.listen': {
    input: z
      .object({ questionId: Id, language: LanguageChoiceSchema, conversationId: Id.optional() })
      .strict(),
    output: Ok,
  },
  'ask.listenAudio': {
    input: z.object({ questionId: Id, pcm: Pcm16Base64 }).strict(),
    output: Ok,
  },
  /** The key is up: the rest is heard and the question answered (events as for ask.question). */
  'ask.listenEnd': {
    input: z.object({ questionId: Id, cancel: z.boolean().optional() }).strict(),
    output: Ok,
  },
  'ask.clearConversation': { input: z.object({ conversationId: Id }).strict(), output: Ok },
  /**
   * The official keeps the conversation as a file (written by the page): it quotes meetings
   * out of the vault, so it is an export (the policy may refuse it) and audited as one.
   */
  'ask.saveConversation': {
    input: z.object({ conversationId: Id }).strict(),
    output: z.object({ fileName: z.string() }),
  },
  /** Whether an installed neural voice (Piper, --kind speech) reads this language. */
  'speech.voice': {
    input: z.object({ language: z.enum(['fr', 'en']) }).strict(),
    output: z.object({ available: z.boolean() }),
  },
  /** One text (a sentence of an answer) read by the installed neural voice, as a 16-bit WAV. */
  'speech.say': {
    input: z.object({ text: z.string().min(1).max(2000), language: z.enum(['fr', 'en']) }).strict(),
    output: z.object({ wavBase64: z.string(), stopped: z.boolean() }),
  },
  /** Barge-in: the neural voice stops what it is reading. */
  'speech.stop': { input: Empty, output: Ok },
  'export.meeting': {
    input: z
      .object({ meetingId: Id, format: z.enum(['docx', 'pdf', 'md', 'srt', 'vtt']) })
      .strict(),
    output: z.object({
      fileName: z.string(),
      mime: z.string(),
      base64: z.string(),
      /** Approved minutes only: the detached signature, saved beside the file. */
      signature: z.object({ fileName: z.string(), json: z.string() }).optional(),
    }),
  },
  // The official record: approval, signatures, templates (src/shared/record.ts).
  ...recordApiCalls,
  'models.list': { input: Empty, output: z.array(ModelViewSchema) },
  'models.import': {
    input: z
      .object({
        folder: z.string().min(1).max(4096),
        trustUnlisted: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ imported: z.array(ModelViewSchema), skipped: z.array(z.string()) }),
  },
  /** Makes an installed model the one its kind uses; answers the new list. */
  'models.setDefault': {
    input: z.object({ kind: ModelKindSchema, path: z.string().min(1).max(4096) }).strict(),
    output: z.array(ModelViewSchema),
  },
  'settings.get': { input: Empty, output: SettingsViewSchema },
  'settings.update': { input: SettingsViewSchema.partial().strict(), output: SettingsViewSchema },
  'security.blocked': { input: Empty, output: z.array(BlockedRequestSchema) },
  /** The page reports a request its CSP refused (securitypolicyviolation event). */
  'security.reportBlocked': {
    input: z.object({ url: z.string().max(4096), detail: z.string().max(500) }).strict(),
    output: Ok,
  },
  ...auditApiCalls,
  // Importing a recording from the window (src/shared/import-api.ts).
  ...importApiCalls,
} as const;

export type CallName = keyof typeof apiCalls;
export type CallInput<N extends CallName> = z.input<(typeof apiCalls)[N]['input']>;
export type CallOutput<N extends CallName> = z.output<(typeof apiCalls)[N]['output']>;
/** The input once validated (defaults applied): what the service receives. */
export type CallParsedInput<N extends CallName> = z.output<(typeof apiCalls)[N]['input']>;

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(apiCalls, name);
}

// ---------------------------------------------------------------- events

export const apiEvents = {
  /** Something about this meeting changed (status, jobs, transcript, minutes): refetch it. */
  'meeting.changed': z.object({ meetingId: Id }),
  'job.progress': z.object({ meetingId: Id, job: JobViewSchema }),
  /**
   * New transcript lines during recording, times relative to the meeting start.
   * With `replaces`: full-quality lines that take the place of the live lines
   * of that stretch (ids as the stored transcript will have them).
   */
  'live.segments': z.object({
    meetingId: Id,
    segments: z.array(MeetingSegmentSchema),
    replaces: z.object({ fromMs: z.number(), toMs: z.number() }).optional(),
  }),
  /** A multi-channel recording: this seat's microphone has the floor from atMs. */
  'live.speaker': z.object({ meetingId: Id, speakerId: Id, name: z.string(), atMs: z.number() }),
  'ask.progress': z.object({
    questionId: Id,
    stage: z.enum(['listening', 'transcribing', 'searching', 'answering']),
    question: z.string().optional(),
  }),
  /** The question as heard so far, while the key is held. */
  'ask.heard': z.object({ questionId: Id, text: z.string() }),
  /** The best verified passage, said before the answer. */
  'ask.evidence': z.object({
    questionId: Id,
    citation: CitationViewSchema,
    meetingDate: z.string().optional(),
    spoken: z.string(),
  }),
  /** A finished sentence of the answer as the model writes it, for speech. */
  'ask.sentence': z.object({ questionId: Id, text: z.string() }),
  'ask.token': z.object({ questionId: Id, text: z.string() }),
  'ask.answer': z.object({ questionId: Id, answer: AnswerViewSchema }),
  'ask.failed': z.object({ questionId: Id, error: z.lazy(() => ApiErrorSchema) }),
  'vault.locked': z.object({ reason: z.enum(['user', 'idle']) }),
  /** Electron: the window's close was refused by the page (unsaved edits): ask, then close. */
  'window.closeAsked': z.object({}),
  'security.blocked': BlockedRequestSchema,
  /** An import under way: fraction of the file read, audio decoded, time left once known. */
  'import.progress': z.object({
    importId: Id,
    fraction: z.number().min(0).max(1),
    decodedMs: z.number().nonnegative(),
    etaMs: z.number().nonnegative().optional(),
  }),
  /** Done: the meeting is saved and queued for transcription; damage stepped over, by time. */
  'import.finished': z.object({
    importId: Id,
    meetingId: Id,
    warnings: z.array(
      z.object({ kind: z.enum(['damaged', 'truncated']), atMs: z.number().nonnegative() }),
    ),
  }),
  'import.failed': z.object({ importId: Id, error: z.lazy(() => ApiErrorSchema) }),
} as const;

export type EventName = keyof typeof apiEvents;
export type EventPayload<E extends EventName> = z.output<(typeof apiEvents)[E]>;

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(apiEvents, name);
}

// ---------------------------------------------------------------- envelopes

/** Errors cross the boundary as data: what was wrong and what to do. */
export const ApiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  /** What the catalogue's message names (a file, a field and its range), in no language. */
  vars: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

export const CallRequestSchema = z.object({ name: z.string().max(100), input: z.unknown() });

export const CallResponseSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorSchema }),
]);
export type CallResponse = z.infer<typeof CallResponseSchema>;

export const EventEnvelopeSchema = z.object({ event: z.string(), payload: z.unknown() });

/** What the renderer holds: one typed object, whatever the transport. */
export interface GreffierApi {
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** Thrown on the renderer side when a call fails; carries the core's message and hint. */
export class ApiCallError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly vars: Record<string, string | number> | undefined;
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
    this.hint = error.hint;
    this.vars = error.vars;
  }
}

/** Validates a call's input; throws a zod error with the offending path. */
export function parseCallInput<N extends CallName>(name: N, input: unknown): CallParsedInput<N> {
  return apiCalls[name].input.parse(input ?? {}) as CallParsedInput<N>;
}

/** Validates an answer received from the other side, so the UI never trusts a malformed one. */
export function parseCallOutput<N extends CallName>(name: N, value: unknown): CallOutput<N> {
  return apiCalls[name].output.parse(value) as CallOutput<N>;
}

export function parseEventPayload<E extends EventName>(
  event: E,
  payload: unknown,
): EventPayload<E> {
  return apiEvents[event].parse(payload) as EventPayload<E>;
}

/** The name of the preload global and of the IPC channels: one place for both sides. */
export const BRIDGE_GLOBAL = 'greffier';
export const IPC_CALL_CHANNEL = 'greffier:call';
export const IPC_EVENT_CHANNEL = 'greffier:event';
