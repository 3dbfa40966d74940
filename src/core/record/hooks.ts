import { appendAudit, auditHead, isAuditAction, type AuditDetails } from '../audit/index.js';
import type { Vault } from '../vault/vault.js';

/**
 * What the official record tells the rest of the vault: lifecycle events for
 * the audit trail and, at approval, the trail's head hash (so a signed export
 * pins the log as it stood). Both are optional: without an audit trail the
 * record works the same and approvals carry no chain head.
 */
export interface RecordHooks {
  onAudit?: (
    action: string,
    meetingId: string | undefined,
    details?: Record<string, unknown>,
  ) => Promise<void> | void;
  chainHead?: () => Promise<string | undefined>;
}

/**
 * The one place both doors take their hooks from, so the audit trail is wired
 * once (e.g. `onAudit: (action, meetingId, details) => appendAudit(vault, {
 * action, meetingId, details })`, `chainHead: () => auditHead(vault)`).
 */
export function recordHooks(vault: Vault): RecordHooks {
  return {
    onAudit: async (action, meetingId, details) => {
      if (!isAuditAction(action)) throw new Error(`"${action}" is not an audit action`);
      await appendAudit(vault, {
        action,
        ...(meetingId ? { meetingId } : {}),
        ...(details ? { details: details as AuditDetails } : {}),
      });
    },
    chainHead: () => auditHead(vault),
  };
}

/** Runs the audit hook without letting its failure undo what was already saved. */
export async function audit(
  hooks: RecordHooks,
  action: string,
  meetingId: string | undefined,
  details?: Record<string, unknown>,
): Promise<void> {
  await hooks.onAudit?.(action, meetingId, details);
}
