export { MinutesRecord, approvalSignatureValid, transcriptHash, minutesHash } from './approval.js';
export { recordHooks, type RecordHooks } from './hooks.js';
export {
  createKey,
  findKey,
  keyFingerprint,
  listKeys,
  shortFingerprint,
  type ApproverKey,
} from './keys.js';
export {
  parseSignatureFile,
  signExport,
  signaturePath,
  verifyExport,
  type SignatureFile,
  type VerifyReport,
} from './signature.js';
export { exportFormatOf, type ExportFormat } from './export-text.js';
export {
  Templates,
  checkTemplate,
  listAllTemplates,
  resolveTemplate,
  type TemplateEntry,
} from './templates.js';
