/**
 * Every sensitive action the audit trail records, in the users' words. The
 * other parts of the official record (minutes approval, templates) append
 * theirs through the same list, so the Audit screen can filter on all.
 */
export const AUDIT_ACTIONS = [
  'vault.created',
  'vault.opened',
  'vault.locked',
  'vault.unlock-failed',
  'vault.passphrase-changed',
  'recording.started',
  'recording.stopped',
  'audio.imported',
  'segment.edited',
  'speaker.added',
  'speaker.renamed',
  'speaker.set',
  'speakers.merged',
  'minutes.generated',
  'minutes.submitted',
  'minutes.approved',
  'minutes.returned',
  'minutes.corrected',
  'minutes.edited',
  'minutes.restored',
  'template.saved',
  'template.removed',
  'question.asked',
  'conversation.saved',
  'export.meeting',
  'archive.exported',
  'archive.imported',
  'meeting.deleted',
  'model.added',
  'model.default',
  'settings.changed',
  'retention.changed',
  'retention.hold',
  'retention.deleted',
  'redaction.applied',
  'redaction.removed',
  'redaction.erased',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditDetails = Record<string, string | number | boolean | string[] | null>;

/** What a caller appends. */
export interface AuditInput {
  action: AuditAction;
  meetingId?: string;
  details?: AuditDetails;
}

/** One entry as read back: its place in the chain and the hash that chains the next one to it. */
export interface AuditEntry extends AuditInput {
  seq: number;
  /** ISO time of the action. */
  at: string;
  /** The operating-system account that did it (the PC may be shared by a clerk and a chair). */
  user: string;
  /** SHA-256 (hex) of the previous entry; 64 zeros for the first. */
  prev: string;
  /** SHA-256 (hex) of this entry's body, which includes `prev`. */
  hash: string;
}

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}
