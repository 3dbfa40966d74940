import { z } from 'zod';

/**
 * The calls of the official record's audit, retention and redaction parts
 * (src/core/audit, retention, redaction), spread into apiCalls: one block,
 * so the contract of each part reads in one place.
 */
const Id = z.string().min(1).max(200);
const Ok = z.object({ ok: z.literal(true) });
const Empty = z.object({}).strict();

const DetailValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);

export const AuditEntryViewSchema = z.object({
  seq: z.number().int().positive(),
  at: z.string(),
  user: z.string(),
  action: z.string(),
  meetingId: z.string().optional(),
  details: z.record(z.string(), DetailValue).optional(),
  prev: z.string(),
  hash: z.string(),
});
export type AuditEntryView = z.infer<typeof AuditEntryViewSchema>;

export const AuditReportViewSchema = z.object({
  ok: z.boolean(),
  entries: z.number().int().nonnegative(),
  head: z.string(),
  problems: z.array(
    z.object({
      entry: z.number().int(),
      kind: z.enum(['changed', 'missing', 'out-of-order', 'torn', 'head']),
      message: z.string(),
    }),
  ),
});

export const RetentionRuleViewSchema = z
  .object({
    audioDays: z.number().int().nonnegative().max(36_500).optional(),
    transcriptDays: z.number().int().nonnegative().max(36_500).optional(),
    minutesDays: z.number().int().nonnegative().max(36_500).optional(),
  })
  .strict();
export type RetentionRuleView = z.infer<typeof RetentionRuleViewSchema>;

const RetentionItemSchema = z.object({
  meetingId: z.string(),
  title: z.string(),
  part: z.enum(['audio', 'transcript', 'minutes', 'meeting']),
  dueAt: z.string(),
});
export const RetentionPlanViewSchema = z.object({
  at: z.string(),
  items: z.array(RetentionItemSchema),
  held: z.array(RetentionItemSchema),
});
export type RetentionPlanView = z.infer<typeof RetentionPlanViewSchema>;

export const RetentionMeetingViewSchema = z.object({
  meetingId: z.string(),
  rule: RetentionRuleViewSchema.optional(),
  from: z.enum(['meeting', 'template', 'none']),
  hold: z.boolean(),
  holdSince: z.string().optional(),
  removed: z.object({
    audio: z.string().optional(),
    transcript: z.string().optional(),
    minutes: z.string().optional(),
  }),
});
export type RetentionMeetingView = z.infer<typeof RetentionMeetingViewSchema>;

const RedactionKind = z.enum(['name', 'email', 'phone', 'iban', 'nir', 'siret', 'manual']);
export const RedactionViewSchema = z.object({
  id: z.string(),
  segmentId: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().positive(),
  text: z.string().optional(),
  kind: RedactionKind,
  at: z.string(),
});
export type RedactionView = z.infer<typeof RedactionViewSchema>;
export const RedactionSuggestionSchema = z.object({
  segmentId: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().positive(),
  text: z.string(),
  kind: RedactionKind,
});
export type RedactionSuggestion = z.infer<typeof RedactionSuggestionSchema>;
const SpanSchema = z
  .object({
    segmentId: Id,
    start: z.number().int().nonnegative(),
    end: z.number().int().positive(),
    kind: RedactionKind.optional(),
  })
  .strict();

export const auditApiCalls = {
  'audit.list': {
    input: z
      .object({ since: z.string().max(40).optional(), action: z.string().max(60).optional() })
      .strict(),
    output: z.array(AuditEntryViewSchema),
  },
  'audit.verify': { input: Empty, output: AuditReportViewSchema },
  'retention.preview': { input: Empty, output: RetentionPlanViewSchema },
  'retention.apply': { input: Empty, output: RetentionPlanViewSchema },
  'retention.get': {
    input: z.object({ meetingId: Id }).strict(),
    output: RetentionMeetingViewSchema,
  },
  'retention.setRule': {
    input: z.object({ meetingId: Id, rule: RetentionRuleViewSchema.nullable() }).strict(),
    output: Ok,
  },
  'retention.hold': {
    input: z
      .object({ meetingId: Id, on: z.boolean(), note: z.string().max(500).optional() })
      .strict(),
    output: Ok,
  },
  'redaction.list': {
    input: z.object({ meetingId: Id }).strict(),
    output: z.array(RedactionViewSchema),
  },
  'redaction.suggest': {
    input: z.object({ meetingId: Id }).strict(),
    output: z.array(RedactionSuggestionSchema),
  },
  'redaction.add': {
    input: z.object({ meetingId: Id, spans: z.array(SpanSchema).min(1).max(500) }).strict(),
    output: z.array(RedactionViewSchema),
  },
  'redaction.remove': { input: z.object({ meetingId: Id, id: Id }).strict(), output: Ok },
  'redaction.erase': {
    input: z.object({ meetingId: Id }).strict(),
    output: z.object({ erased: z.number().int().nonnegative() }),
  },
};
