import { z } from 'zod';
import { GreffierError } from '../errors.js';
import type { Vault } from '../vault/vault.js';
import type { Meeting } from '../../shared/meetings.js';

/**
 * How long each part of a meeting is kept, in days counted from the
 * minutes' approval (or from the meeting's date while there is none).
 * A missing part means "kept": minutes are often kept for good.
 */
export const RetentionRuleSchema = z
  .object({
    audioDays: z.number().int().nonnegative().max(36_500).optional(),
    transcriptDays: z.number().int().nonnegative().max(36_500).optional(),
    minutesDays: z.number().int().nonnegative().max(36_500).optional(),
  })
  .strict();
export type RetentionRule = z.infer<typeof RetentionRuleSchema>;

export type RetentionPart = 'audio' | 'transcript' | 'minutes';
export const RETENTION_PARTS: RetentionPart[] = ['audio', 'transcript', 'minutes'];

/** What the vault stores per meeting: the clerk's own rule, the hold, and what retention already removed. */
const MeetingRetentionSchema = z.object({
  rule: RetentionRuleSchema.optional(),
  hold: z.object({ since: z.string(), note: z.string().optional() }).optional(),
  removed: z
    .object({
      audio: z.string().optional(),
      transcript: z.string().optional(),
      minutes: z.string().optional(),
    })
    .optional(),
});
export type MeetingRetention = z.infer<typeof MeetingRetentionSchema>;

const StoreSchema = z.object({
  version: z.literal(1),
  meetings: z.record(z.string(), MeetingRetentionSchema),
});
type Store = z.infer<typeof StoreSchema>;

/** A vault blob: settings of the vault, not of one meeting (a hold must outlive a re-key). */
const BLOB = 'retention';

/**
 * Where rules come from besides the meeting's own: the template's rule and
 * the approval date belong to other parts of the record and are passed in.
 */
export interface RetentionSource {
  ruleFor?(meeting: Meeting): RetentionRule | undefined;
  approvedAt?(meeting: Meeting): string | undefined;
}

export async function readRetention(vault: Vault): Promise<Store> {
  const bytes = await vault.readBlob(BLOB);
  if (!bytes) return { version: 1, meetings: {} };
  return StoreSchema.parse(JSON.parse(bytes.toString('utf8')));
}

export async function writeRetention(vault: Vault, store: Store): Promise<void> {
  // Meetings deleted since are dropped: the store never names what is gone.
  for (const id of Object.keys(store.meetings)) {
    if (!Object.hasOwn(vault.data.meetings, id)) delete store.meetings[id];
  }
  await vault.writeBlob(BLOB, Buffer.from(JSON.stringify(store)));
}

export function meetingRetention(store: Store, meetingId: string): MeetingRetention {
  return Object.hasOwn(store.meetings, meetingId) ? store.meetings[meetingId]! : {};
}

/** The rule that applies: the meeting's own, else the source's (its template's). */
export function effectiveRule(
  own: MeetingRetention,
  meeting: Meeting,
  source: RetentionSource,
): { rule: RetentionRule | undefined; from: 'meeting' | 'template' | 'none' } {
  if (own.rule) return { rule: own.rule, from: 'meeting' };
  const templateRule = source.ruleFor?.(meeting);
  return templateRule
    ? { rule: templateRule, from: 'template' }
    : { rule: undefined, from: 'none' };
}

export function parseRule(input: unknown): RetentionRule {
  const parsed = RetentionRuleSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GreffierError(
      'bad-retention-rule',
      `the retention rule is not valid: ${issue?.path.join('.') || 'rule'}: ${issue?.message ?? 'invalid'}`,
      {
        hint: 'give whole numbers of days (0 to 36500) for audioDays, transcriptDays, minutesDays',
      },
    );
  }
  return parsed.data;
}
