export {
  AUDIT_ACTIONS,
  isAuditAction,
  type AuditAction,
  type AuditDetails,
  type AuditEntry,
  type AuditInput,
} from './actions.js';
export { appendAudit, appendAuditBatch, auditHead, sha256Hex } from './log.js';
export { readAudit, verifyAudit, type AuditProblem, type AuditReport } from './verify.js';
export { auditLocks, auditPassphraseCheck, openAudited } from './session.js';
