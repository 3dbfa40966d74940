import { z } from 'zod';
import { LanguageSchema } from './transcript.js';

/**
 * The contract for what the model produces about meetings: minutes, search
 * hits and answers with citations. Main, renderer and CLI import these names:
 * extend them, never rename them.
 */

/** A decision taken in the meeting, with the segments it was heard in. */
export const DecisionSchema = z.object({
  text: z.string().min(1),
  segmentIds: z.array(z.string()),
});
export type Decision = z.infer<typeof DecisionSchema>;

export const ActionItemSchema = z.object({
  owner: z.string(),
  task: z.string().min(1),
  /** Only when the meeting stated one, in the words used (a date or "next session"). */
  due: z.string().optional(),
  segmentIds: z.array(z.string()),
});
export type ActionItem = z.infer<typeof ActionItemSchema>;

/** What one speaker said over the meeting (the "interventions" officials ask about). */
export const InterventionSchema = z.object({
  speaker: z.string().min(1),
  summary: z.string().min(1),
});
export type Intervention = z.infer<typeof InterventionSchema>;

export const MinutesSchema = z.object({
  meetingId: z.string().min(1),
  language: LanguageSchema,
  /** Id of the template that shaped these minutes (see resources/templates). */
  template: z.string().min(1),
  title: z.string(),
  overview: z.string(),
  decisions: z.array(DecisionSchema),
  actionItems: z.array(ActionItemSchema),
  openQuestions: z.array(z.string()),
  topics: z.array(z.string()),
  interventions: z.array(InterventionSchema),
  /** ISO 8601 time the minutes were produced. */
  generatedAt: z.string(),
  /** File name of the model that wrote them (never a full path: minutes may be exported). */
  model: z.string(),
  /** How the transcript was read: in one pass, or chunk summaries then a merge. */
  method: z.object({
    chunks: z.number().int().nonnegative(),
    contextSize: z.number().int().positive(),
  }),
});
export type Minutes = z.infer<typeof MinutesSchema>;

const Days = z.number().int().min(0).max(36_500);
/** Days after approval before each part of a meeting is crypto-shredded. */
export const RetentionRuleSchema = z
  .object({
    audioDays: Days.optional(),
    transcriptDays: Days.optional(),
    minutesDays: Days.optional(),
  })
  .strict();
export type RetentionRule = z.infer<typeof RetentionRuleSchema>;

/** A minutes template: data the user can copy and edit (resources/templates/*.json). */
export const MinutesTemplateSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    name: z
      .object({ fr: z.string().trim().min(1).max(100), en: z.string().trim().min(1).max(100) })
      .strict(),
    /** What to stress, in each language; added to the prompt as the clerk's guidance. */
    instructions: z
      .object({ fr: z.string().trim().min(1).max(4000), en: z.string().trim().min(1).max(4000) })
      .strict(),
    /** Upper bounds that keep the output short (and the grammar finite). */
    limits: z
      .object({
        decisions: z.number().int().min(0).max(30).optional(),
        actionItems: z.number().int().min(0).max(30).optional(),
        openQuestions: z.number().int().min(0).max(30).optional(),
        topics: z.number().int().min(0).max(30).optional(),
        interventions: z.number().int().min(0).max(40).optional(),
      })
      .strict()
      .optional(),
    /**
     * How long a meeting made with this template is kept, in days counted from
     * the approval of its minutes (absent: kept until deleted by hand). Read by
     * the retention rules of the official record.
     */
    retention: RetentionRuleSchema.optional(),
  })
  .strict();
export type MinutesTemplate = z.infer<typeof MinutesTemplateSchema>;

/** Where a hit or a citation comes from. */
export const PassageKindSchema = z.enum(['segment', 'minutes']);
export type PassageKind = z.infer<typeof PassageKindSchema>;

/** One search result: a segment (or a line of minutes) of a meeting. */
export const SearchHitSchema = z.object({
  meetingId: z.string(),
  meetingTitle: z.string().optional(),
  /** ISO 8601 start of the meeting. */
  meetingDate: z.string().optional(),
  kind: PassageKindSchema,
  segmentId: z.string(),
  startMs: z.number().nonnegative(),
  endMs: z.number().nonnegative(),
  speaker: z.string().optional(),
  text: z.string(),
  /** Fused rank score, higher is better; only comparable within one query. */
  score: z.number(),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const SearchFilterSchema = z.object({
  meetingIds: z.array(z.string()).optional(),
  speakers: z.array(z.string()).optional(),
  /** ISO dates, inclusive, compared with the meeting's start. */
  from: z.string().optional(),
  to: z.string().optional(),
  /** Only the meetings' words ('segment') or only their minutes' lines. */
  kind: z.enum(['segment', 'minutes']).optional(),
  limit: z.number().int().positive().max(200).optional(),
});
export type SearchFilter = z.infer<typeof SearchFilterSchema>;

/** A citation that was checked in code against the stored segment. */
export const CitationSchema = z.object({
  meetingId: z.string(),
  segmentId: z.string(),
  startMs: z.number().nonnegative(),
  endMs: z.number().nonnegative(),
  speaker: z.string().optional(),
  /** Verbatim words of the segment. */
  quote: z.string().min(1),
});
export type Citation = z.infer<typeof CitationSchema>;

export const AnswerSchema = z.object({
  question: z.string(),
  language: LanguageSchema,
  answer: z.string(),
  /** Verified citations only; empty exactly when found is false. */
  citations: z.array(CitationSchema),
  /** False when nothing in the recorded meetings supports an answer. */
  found: z.boolean(),
  /** Citations the model gave that failed verification (kept for audit, never shown as facts). */
  droppedCitations: z.number().int().nonnegative(),
  /** The text heard, when the question was spoken. */
  transcribedFrom: z.string().optional(),
});
export type Answer = z.infer<typeof AnswerSchema>;

/** The explicit answer when the meetings hold nothing to cite, in the question's language. */
export const NOT_FOUND_ANSWER = {
  fr: 'Aucune information trouvée dans les réunions enregistrées.',
  en: 'Not found in the recorded meetings.',
} as const;
