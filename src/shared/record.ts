import { z } from 'zod';
import { MinutesSchema, MinutesTemplateSchema } from './minutes.js';

/**
 * The official record's contract (src/core/record): where minutes are in
 * their approval, what an approval holds, and a version's history. Main,
 * renderer and CLI import these names: extend them, never rename them.
 */

/** draft → submitted → approved, or returned (with a comment) and submitted again. */
export const MinutesStatusSchema = z.enum(['draft', 'submitted', 'approved', 'returned']);
export type MinutesStatus = z.infer<typeof MinutesStatusSchema>;

/**
 * Where a meeting's minutes are, for lists and filters: the approval status,
 * or a draft when minutes exist that were never submitted; none without minutes.
 */
export function minutesStateOf(meeting: {
  minutesStatus?: MinutesStatus | undefined;
  hasSummary: boolean;
}): MinutesStatus | undefined {
  return meeting.minutesStatus ?? (meeting.hasSummary ? 'draft' : undefined);
}

export const RecordActionSchema = z.enum([
  'generated',
  'submitted',
  'approved',
  'returned',
  'corrected',
  /** The clerk saved the draft's text by hand. */
  'edited',
  /** An earlier text of the minutes was put back as the draft's. */
  'restored',
  /** A text the history lacked (an older vault), kept before it was written over. */
  'kept',
]);
export type RecordAction = z.infer<typeof RecordActionSchema>;

/** Points at an earlier text of the minutes: an event's copy, or (no event) a version's fixed minutes. */
export const MinutesSourceSchema = z
  .object({ version: z.number().int().positive(), event: z.number().int().min(0).optional() })
  .strict();
export type MinutesSource = z.infer<typeof MinutesSourceSchema>;

export const RecordEventSchema = z.object({
  action: RecordActionSchema,
  /** The name typed by whoever acted (the clerk or the approver), when given. */
  by: z.string().optional(),
  at: z.string(),
  comment: z.string().optional(),
  /** The draft's text as this event left it (generated, edited, restored): it can be restored. */
  minutes: MinutesSchema.optional(),
  /** Which earlier text a restore put back: a version's event, or the version's fixed minutes. */
  restoredFrom: MinutesSourceSchema.optional(),
});
export type RecordEvent = z.infer<typeof RecordEventSchema>;

/** What approving fixed: who, when, with which key, over which exact bytes. */
export const ApprovalSchema = z.object({
  approver: z.string().min(1),
  /** SHA-256 (hex) of the approver's public key (DER, SPKI). */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  publicKeyPem: z.string().min(1),
  approvedAt: z.string(),
  minutesSha256: z.string().regex(/^[0-9a-f]{64}$/),
  transcriptSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Head of the audit trail when approved, when the vault keeps one. */
  chainHead: z.string().optional(),
  /** Ed25519 over the canonical JSON of the fields above and the meeting and version (base64). */
  signature: z.string().min(1),
});
export type Approval = z.infer<typeof ApprovalSchema>;

export const MinutesVersionSchema = z.object({
  version: z.number().int().positive(),
  status: MinutesStatusSchema,
  /** Why this version exists, for a correction of approved minutes. */
  reason: z.string().optional(),
  createdAt: z.string(),
  /** The minutes as submitted (then approved): fixed from submission on. */
  minutes: MinutesSchema.optional(),
  events: z.array(RecordEventSchema),
  approval: ApprovalSchema.optional(),
});
export type MinutesVersion = z.infer<typeof MinutesVersionSchema>;

/** One line of a diff between two versions' minutes. */
export const DiffLineSchema = z.object({
  op: z.enum(['same', 'added', 'removed']),
  text: z.string(),
});
export type DiffLine = z.infer<typeof DiffLineSchema>;

export const MinutesHistorySchema = z.object({
  meetingId: z.string(),
  status: MinutesStatusSchema,
  /** The earlier texts that differ from the current draft (empty unless draft or returned). */
  restorable: z.array(MinutesSourceSchema),
  versions: z.array(
    MinutesVersionSchema.extend({
      /** Changes from the previous version's minutes (empty for the first). */
      diff: z.array(DiffLineSchema),
    }),
  ),
});
export type MinutesHistory = z.infer<typeof MinutesHistorySchema>;

/** An approver's key as the screens show it (never the private half). */
export const ApproverKeyViewSchema = z.object({
  fingerprint: z.string(),
  name: z.string(),
  publicKeyPem: z.string(),
  createdAt: z.string(),
});
export type ApproverKeyView = z.infer<typeof ApproverKeyViewSchema>;

/** What checking a signed export found: each mismatch named by its part. */
export const VerifyReportSchema = z.object({
  ok: z.boolean(),
  problems: z.array(
    z.object({
      part: z.enum(['key', 'signature', 'minutes', 'transcript', 'file']),
      message: z.string(),
    }),
  ),
  signer: z
    .object({
      approver: z.string(),
      approvedAt: z.string(),
      fingerprint: z.string(),
      version: z.number().int().positive(),
    })
    .optional(),
  /** True when the key was checked against one the user gave. */
  keyTrusted: z.boolean(),
});
export type VerifyReport = z.infer<typeof VerifyReportSchema>;

// ---------------------------------------------------------------- calls (spread into src/shared/api.ts)

const Id = z.string().min(1).max(200);
const Name = z.string().max(200);
const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

/** The app's calls for the official record: the same checks as the rest of the contract. */
export const recordApiCalls = {
  'record.history': { input: z.object({ meetingId: Id }).strict(), output: MinutesHistorySchema },
  'record.submit': {
    input: z.object({ meetingId: Id, by: Name.optional() }).strict(),
    output: Ok,
  },
  /** The approver types their name; their key is created on their first approval. */
  'record.approve': {
    input: z
      .object({ meetingId: Id, approver: Name, keyFingerprint: z.string().max(100).optional() })
      .strict(),
    output: Ok,
  },
  'record.return': {
    input: z.object({ meetingId: Id, by: Name.optional(), comment: z.string().max(2000) }).strict(),
    output: Ok,
  },
  'record.correct': {
    input: z.object({ meetingId: Id, by: Name.optional(), reason: z.string().max(2000) }).strict(),
    output: Ok,
  },
  /** Checks a signed export offline, like "greffier verify" (the vault may be locked). */
  'record.verify': {
    input: z
      .object({
        fileName: z.string().min(1).max(300),
        base64: z
          .string()
          .max(3_500_000)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/),
        signature: z.string().max(1_000_000),
        publicKeyPem: z.string().max(10_000).optional(),
      })
      .strict(),
    output: VerifyReportSchema,
  },
  'keys.list': { input: Empty, output: z.array(ApproverKeyViewSchema) },
  'templates.list': {
    input: Empty,
    output: z.array(z.object({ template: MinutesTemplateSchema, builtIn: z.boolean() })),
  },
  'templates.copy': {
    input: z.object({ from: Id, id: Id }).strict(),
    output: MinutesTemplateSchema,
  },
  /** The template is checked by core, which names the wrong field. */
  'templates.save': {
    input: z.object({ template: z.unknown() }).strict(),
    output: MinutesTemplateSchema,
  },
  'templates.remove': { input: z.object({ id: Id }).strict(), output: Ok },
  /** Puts an earlier text of draft or returned minutes back (the current one stays in history). */
  'record.restore': {
    input: z.object({ meetingId: Id, from: MinutesSourceSchema }).strict(),
    output: Ok,
  },
} as const;
