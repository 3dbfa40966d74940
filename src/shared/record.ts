import { z } from 'zod';
import { MinutesSchema } from './minutes.js';

/**
 * The official record's contract (src/core/record): where minutes are in
 * their approval, what an approval holds, and a version's history. Main,
 * renderer and CLI import these names: extend them, never rename them.
 */

/** draft → submitted → approved, or returned (with a comment) and submitted again. */
export const MinutesStatusSchema = z.enum(['draft', 'submitted', 'approved', 'returned']);
export type MinutesStatus = z.infer<typeof MinutesStatusSchema>;

export const RecordActionSchema = z.enum([
  'generated',
  'submitted',
  'approved',
  'returned',
  'corrected',
]);
export type RecordAction = z.infer<typeof RecordActionSchema>;

export const RecordEventSchema = z.object({
  action: RecordActionSchema,
  /** The name typed by whoever acted (the clerk or the approver), when given. */
  by: z.string().optional(),
  at: z.string(),
  comment: z.string().optional(),
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
